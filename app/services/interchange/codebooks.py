"""Codebook files, in and out: REFI-QDA (.qdc, qdc.py) and CSV (codebook_csv.py)."""

from pathlib import PurePath

from sqlmodel import Session

from app.services import codebook
from app.services.codebook import ImportedCode, ImportSummary
from app.services.errors import InvalidInput
from app.services.interchange.codebook_csv import read_codebook_csv, write_codebook_csv
from app.services.interchange.qdc import read_qdc, write_qdc

FORMATS = ("qdc", "csv")
MAX_BYTES = 5_000_000


def export_codebook(session: Session, file_format: str) -> bytes:
    """The whole codebook as a .qdc or CSV file."""
    codes = codebook.list_codes(session)
    if file_format == "qdc":
        return write_qdc(codes)
    # With a byte order mark: Taguette guesses a CSV file's encoding (chardet) and took UTF-8
    # without one for Windows-1252, garbling "US–Russia"; spreadsheets read it right too.
    return write_codebook_csv(codes).encode("utf-8-sig")


def read_codebook(filename: str, data: bytes) -> list[ImportedCode]:
    """The codes of a codebook file, read as its name's suffix says (.qdc or .csv)."""
    suffix = PurePath(filename).suffix.lower()
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"The codebook is larger than {MAX_BYTES // 1_000_000} MB; nothing was imported."
        )
    if suffix == ".qdc" or suffix == ".xml":
        return read_qdc(data)
    if suffix == ".csv":
        return read_codebook_csv(data)
    raise InvalidInput(
        "A codebook is a REFI-QDA codebook (.qdc) or a CSV file (.csv), not "
        f"'{suffix or filename}'; nothing was imported."
    )


def import_codebook(
    session: Session, filename: str, data: bytes, actor: str | None
) -> ImportSummary:
    """Import a codebook file, all or nothing (see `codebook.import_codes`)."""
    return codebook.import_codes(session, read_codebook(filename, data), actor)
