"""The codebook as CSV: one code a row, in the shape Taguette reads a codebook in (a `tag`
column with the code's name and a `description` column; Taguette ignores the others), with
the family, key, rules and GUID that bring it back here unchanged.

Read back, a file needs a `tag` (or `name`, or `path`) column; `description` is the
definition; a row without a family (a codebook from another program) is a topic.
"""

import csv
import io

from app.models import CodeFamily
from app.services.codebook import FAMILY_NAMES, Code, ImportedCode
from app.services.errors import InvalidInput

MEDIA_TYPE = "text/csv; charset=utf-8"
COLUMNS = ("family", "key", "tag", "description", "include", "exclude", "guid", "colour")
NAME_COLUMNS = ("tag", "name", "path")
_FAMILIES = {
    **{family.value: family for family in CodeFamily},
    **{name.casefold(): family for family, name in FAMILY_NAMES.items()},
}


def write_codebook_csv(codes: list[Code]) -> str:
    """The codebook as CSV text, a header row first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for code in codes:
        writer.writerow(
            [
                code.family.value,
                code.key,
                code.name,
                code.definition,
                code.include,
                code.exclude,
                code.guid,
                code.colour or "",
            ]
        )
    return out.getvalue()


def read_codebook_csv(data: bytes) -> list[ImportedCode]:
    """The codes of a CSV codebook; InvalidInput, in a sentence, for a file that is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"The codebook is not UTF-8 text (byte {error.start} is not UTF-8); nothing was "
            "imported."
        ) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise InvalidInput(
            f"The codebook is not readable CSV ({error}); nothing was imported."
        ) from None
    if not rows:
        raise InvalidInput("The codebook is empty; nothing was imported.")
    header = [cell.strip().lower() for cell in rows[0]]
    names = [column for column in NAME_COLUMNS if column in header]
    if len(names) != 1:
        raise InvalidInput(
            "A CSV codebook needs exactly one column with the codes' names (tag, name or path); "
            f"this one has {len(names)}. Nothing was imported."
        )
    index = {column: header.index(column) for column in header if column}
    codes: list[ImportedCode] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(column: str, row: list[str] = row) -> str:
            at = index.get(column)
            return row[at].strip() if at is not None and at < len(row) else ""

        name = cell(names[0])
        if not name:
            raise InvalidInput(f"Row {number} of the codebook has no name; nothing was imported.")
        family_text = cell("family")
        family = _FAMILIES.get(family_text.casefold()) if family_text else None
        if family_text and family is None:
            raise InvalidInput(
                f"Row {number} of the codebook names the family '{family_text}', which is none "
                "of position, kind, topic, actor_type; nothing was imported."
            )
        codes.append(
            ImportedCode(
                name=name,
                family=family,
                key=cell("key") or None,
                guid=cell("guid") or None,
                colour=cell("colour") or None,
                definition=cell("description"),
                include=cell("include"),
                exclude=cell("exclude"),
            )
        )
    return codes
