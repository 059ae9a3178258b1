"""Checking the independent coding of a version 4 file: its assignments, codebook and team
settings (reads only; `plan.plan_import` calls these after the annotations).

Merge rules, as for the catalog's rows (positions, topics, actors): a new row is created, a
stored one keeps its local state, since it may have been changed here. An assignment is the
same one when it gives the same document to the same analyst (a stored one keeps its done
date); a codebook entry when it defines the same code (family and key), and a new one must not
take the guid of a stored entry of another code; a team setting by its name.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from app.models import (
    ActorKind,
    AnnotationKind,
    Assignment,
    CodebookEntry,
    CodeFamily,
    Document,
    Passage,
    TeamSetting,
    new_id,
)
from app.services.blinding import SHOW_OTHERS_WHEN_DONE
from app.services.errors import InvalidInput
from app.services.interchange.importer.report import ImportReport, Record
from app.services.uploads import quoted, select_in

# A setting whose value must be one of these.
SETTING_VALUES = {SHOW_OTHERS_WHEN_DONE: ("true", "false")}

DateTimeParser = Any  # plan._parse_datetime(value, where, name)


def plan_assignments(
    session: Session,
    report: ImportReport,
    records: list[Record],
    file_documents: Iterable[str],
    parse_datetime: DateTimeParser,
) -> list[Record]:
    """The new assignments to insert; refuses one whose document is neither in the file nor
    stored here, and a document given to the same analyst twice in the file."""
    documents = set(file_documents)
    named = {record["document_id"] for record in records} - documents
    documents |= set(select_in(session, select(Document.id), Document.id, named))
    stored = {
        (document_id, analyst)
        for document_id, analyst in select_in(
            session,
            select(Assignment.document_id, Assignment.analyst),
            Assignment.document_id,
            {record["document_id"] for record in records},
        )
    }
    seen: dict[tuple[str, str], int] = {}
    rows: list[Record] = []
    for index, record in enumerate(records):
        where = f"assignments[{index}]"
        pair = (record["document_id"], record["analyst"])
        if pair[0] not in documents:
            raise InvalidInput(
                f"{where}.document_id: there is no document '{pair[0]}' in the file or in this "
                "database"
            )
        if pair in seen:
            raise InvalidInput(
                f"{where}: document '{pair[0]}' is given to {quoted(pair[1], repr)} twice in "
                f"the file (also at assignments[{seen[pair]}])"
            )
        seen[pair] = index
        if pair in stored:
            report.unchanged["assignments"] += 1
            continue
        done = record["done_at"]
        rows.append(
            {
                "id": new_id(),
                "document_id": pair[0],
                "analyst": pair[1],
                "assigned_by": record["assigned_by"],
                "assigned_at": parse_datetime(record["assigned_at"], where, "assigned_at"),
                "done_at": None if done is None else parse_datetime(done, where, "done_at"),
            }
        )
        report.created["assignments"] += 1
    return rows


def _codes(family: CodeFamily, position_keys: set[str], topic_keys: set[str]) -> set[str]:
    """The keys a codebook entry of `family` may define."""
    if family is CodeFamily.position:
        return position_keys
    if family is CodeFamily.topic:
        return topic_keys
    if family is CodeFamily.kind:
        return {kind.value for kind in AnnotationKind}
    return {kind.value for kind in ActorKind}


def plan_codebook(
    session: Session,
    report: ImportReport,
    records: list[Record],
    catalog: tuple[set[str], set[str]],
    file_passages: Iterable[str],
    parse_datetime: DateTimeParser,
) -> list[Record]:
    """The new codebook entries to insert; refuses an entry of a code that does not exist
    (`catalog`: the position and topic keys in the file or here), an example passage that
    is neither in the file nor here, a code or a guid twice in the file, and a new entry
    taking the guid of a stored entry of another code."""
    position_keys, topic_keys = catalog
    stored = {
        (str(family), key): guid
        for family, key, guid in session.exec(
            select(CodebookEntry.family, CodebookEntry.key, CodebookEntry.guid)
        )
    }
    stored_guids = {guid: code for code, guid in stored.items()}
    passages = set(file_passages)
    cited = {passage for record in records for passage in record["examples"]} - passages
    passages |= set(select_in(session, select(Passage.id), Passage.id, cited))
    codes: dict[tuple[str, str], int] = {}
    guids: dict[str, int] = {}
    rows: list[Record] = []
    for index, record in enumerate(records):
        where = f"codebook[{index}]"
        code = (record["family"], record["key"])
        if code[1] not in _codes(CodeFamily(code[0]), position_keys, topic_keys):
            raise InvalidInput(
                f"{where}.key: there is no {code[0].replace('_', ' ')} '{code[1]}' in the file "
                "or in this database"
            )
        if code in codes:
            raise InvalidInput(
                f"{where}.key: the code {code[0]} '{code[1]}' appears twice in the file (also at "
                f"codebook[{codes[code]}])"
            )
        if record["guid"] in guids:
            raise InvalidInput(
                f"{where}.guid: {record['guid']} appears twice in the file (also at "
                f"codebook[{guids[record['guid']]}])"
            )
        codes[code], guids[record["guid"]] = index, index
        for number, passage in enumerate(record["examples"]):
            if passage not in passages:
                raise InvalidInput(
                    f"{where}.examples[{number}]: there is no passage '{passage}' in the file or "
                    "in this database"
                )
        if code in stored:
            report.unchanged["codebook_codes"] += 1
            continue
        owner = stored_guids.get(record["guid"])
        if owner is not None:
            raise InvalidInput(
                f"{where}.guid: {record['guid']} is the guid of the code {owner[0]} '{owner[1]}' "
                "here"
            )
        rows.append(
            {
                **record,
                "examples": list(record["examples"]),
                "updated_at": parse_datetime(record["updated_at"], where, "updated_at"),
            }
        )
        report.created["codebook_codes"] += 1
    return rows


def plan_team_settings(
    session: Session, report: ImportReport, records: list[Record], parse_datetime: DateTimeParser
) -> list[Record]:
    """The team settings to create (a stored one stays as it is set here); refuses a setting
    twice in the file and a value a known setting cannot take."""
    stored = set(session.exec(select(TeamSetting.name)))
    seen: dict[str, int] = {}
    rows: list[Record] = []
    for index, record in enumerate(records):
        where = f"team_settings[{index}]"
        name = record["name"]
        if name in seen:
            raise InvalidInput(
                f"{where}.name: {quoted(name, repr)} appears twice in the file (also at "
                f"team_settings[{seen[name]}])"
            )
        seen[name] = index
        allowed = SETTING_VALUES.get(name)
        if allowed is not None and record["value"] not in allowed:
            raise InvalidInput(
                f"{where}.value: {quoted(record['value'], repr)} is not a value of {name} "
                f"({' or '.join(allowed)})"
            )
        if name in stored:
            report.unchanged["team_settings"] += 1
            continue
        updated_at: datetime = parse_datetime(record["updated_at"], where, "updated_at")
        rows.append({**record, "updated_at": updated_at})
        report.created["team_settings"] += 1
    return rows
