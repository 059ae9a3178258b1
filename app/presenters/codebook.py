"""What the codebook page and its JSON twin show, built from the codebook service."""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from app.models import CodebookEntryUpdate, CodeFamily
from app.services import codebook
from app.services.codebook import FAMILY_NAMES, FAMILY_NOUNS, Code, ImportSummary
from app.services.errors import InvalidInput


@dataclass(frozen=True)
class FamilySection:
    family: CodeFamily
    title: str
    noun: str
    codes: list[Code]


def sections(codes: list[Code]) -> list[FamilySection]:
    return [
        FamilySection(family, title, FAMILY_NOUNS[family], [c for c in codes if c.family is family])
        for family, title in FAMILY_NAMES.items()
    ]


def codebook_context(session: Session) -> dict[str, Any]:
    """The whole codebook, family by family."""
    return {"sections": sections(codebook.list_codes(session))}


def code_context(code: Code, editing: bool = False) -> dict[str, Any]:
    """One code, as its entry on the page (or its edit form)."""
    return {"code": code, "editing": editing, "noun": FAMILY_NOUNS[code.family]}


def codebook_json(context: dict[str, Any]) -> dict[str, Any]:
    """The JSON twin of the codebook page."""
    return {
        "families": [
            {
                "family": section.family.value,
                "name": section.title,
                "codes": [codebook.code_record(code) for code in section.codes],
            }
            for section in context["sections"]
        ]
    }


def import_summary_json(summary: ImportSummary) -> dict[str, Any]:
    return {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "new_codes": summary.new_codes,
    }


def examples_from_text(text: str) -> list[str]:
    """The passage ids typed in the edit form, one a line (or separated by spaces or commas)."""
    return [part for part in text.replace(",", " ").split() if part]


def update_from_form(
    definition: str, include: str, exclude: str, examples: str, version: int | None
) -> CodebookEntryUpdate:
    """The edit form's fields as an update; InvalidInput, in words, for what it refuses."""
    try:
        return CodebookEntryUpdate(
            definition=definition,
            include=include,
            exclude=exclude,
            examples=examples_from_text(examples),
            version=version,
        )
    except ValidationError as refused:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in refused.errors()
        )
        raise InvalidInput(f"The definition was not saved: {problems}.") from None
