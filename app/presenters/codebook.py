"""What the codebook page and its JSON twin show, built from the codebook service."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.models import CodeFamily
from app.services import codebook
from app.services.codebook import FAMILY_NAMES, FAMILY_NOUNS, Code, ImportSummary


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
