"""The actors of a file checked as the registry checks them: every position and parent found,
no actor belonging to itself (directly or not), and each name or alias meaning one actor only,
whatever its case, among the file's new actors and the actors stored here. Reads the stored
actors once; the plan decides which of the file's actors are new (see `plan_import`)."""

from collections.abc import Iterable

from sqlmodel import Session, select

from app.models import Actor
from app.services.errors import InvalidInput
from app.services.interchange.importer.report import Record
from app.services.uploads import as_json


def check_actors(
    session: Session,
    records: list[Record],
    new_rows: list[Record],
    position_keys: set[str],
    actor_keys: set[str],
) -> list[Record]:
    """Refuse (InvalidInput, with the record's path) an actor of the file whose position or
    parent is nowhere, whose parents lead back to it, or whose names another actor has; return
    `new_rows` (the file's actors not stored here) with each parent before its members, as the
    database's foreign key needs them inserted. `actor_keys` are those of the file's actors
    and the stored ones."""
    for index, record in enumerate(records):
        where = f"actors[{index}]"
        position_key = record["position_key"]
        if position_key is not None and position_key not in position_keys:
            raise InvalidInput(
                f"{where}.position_key: there is no position '{position_key}' in the file or "
                "in this database"
            )
        parent_key = record["parent_key"]
        if parent_key == record["key"]:
            raise InvalidInput(f"{where}.parent_key: an actor cannot belong to itself")
        if parent_key is not None and parent_key not in actor_keys:
            raise InvalidInput(
                f"{where}.parent_key: there is no actor '{parent_key}' in the file or in this "
                "database"
            )
    _check_no_loops(records)
    new_keys = {row["key"] for row in new_rows}
    _check_names(session, [(i, r) for i, r in enumerate(records) if r["key"] in new_keys])
    return _parents_first(new_rows)


def _check_no_loops(records: list[Record]) -> None:
    """Refuse parents that lead back to where they started (a → b → a).

    Only the file's own links are followed: a stored actor's parents are stored ones, which
    cannot lead back to an actor that is not stored yet.
    """
    parent_of = {record["key"]: record["parent_key"] for record in records}
    index_of = {record["key"]: index for index, record in enumerate(records)}
    cleared: set[str] = set()  # keys whose parents are known to end
    for record in records:
        path: list[str] = []
        key: str | None = record["key"]
        while key is not None and key in parent_of and key not in cleared:
            if key in path:
                loop = [*path[path.index(key) :], key]
                shown = " → ".join(f"'{k}'" for k in loop)
                raise InvalidInput(
                    f"actors[{index_of[key]}].parent_key: the actors belong to each other in a "
                    f"loop ({shown}): an actor cannot belong to one of its members"
                )
            path.append(key)
            key = parent_of[key]
        cleared.update(path)


def _check_names(session: Session, new: list[tuple[int, Record]]) -> None:
    """Refuse a name or alias of a new actor that another actor (stored, or new before it in
    the file) already has, whatever its case, or that the actor lists twice among its aliases."""
    if not new:
        return
    # Each name, case folded, with the actor that has it and where that actor is.
    owners: dict[str, tuple[str, str, str]] = {}
    for actor in session.exec(select(Actor)):
        for name in [actor.name, *actor.aliases]:
            owners.setdefault(name.casefold(), (actor.key, actor.name, "here"))
    for index, record in new:
        where = f"actors[{index}]"
        seen: dict[str, int] = {}
        for number, alias in enumerate(record["aliases"]):
            if alias.casefold() in seen:
                raise InvalidInput(
                    f"{where}.aliases[{number}]: {as_json(alias)} is listed twice (also at "
                    f"aliases[{seen[alias.casefold()]}], whatever the case)"
                )
            seen[alias.casefold()] = number
        names = [("name", record["name"])]
        names += [(f"aliases[{n}]", alias) for n, alias in enumerate(record["aliases"])]
        for field, name in names:
            owner = owners.get(name.casefold())
            if owner is not None and owner[0] != record["key"]:
                key, owner_name, place = owner
                raise InvalidInput(
                    f"{where}.{field}: the name {as_json(name)} already means the actor "
                    f"'{owner_name}' ({key}) {place}; a name or alias names one actor only"
                )
        for _field, name in names:
            owners.setdefault(
                name.casefold(), (record["key"], record["name"], f"in the file at {where}")
            )


def _parents_first(rows: Iterable[Record]) -> list[Record]:
    """`rows` in their order, but each one's parent among them moved before it."""
    by_key = {row["key"]: row for row in rows}
    ordered: list[Record] = []
    placed: set[str] = set()
    for row in by_key.values():
        chain: list[Record] = []
        current: Record | None = row
        while current is not None and current["key"] not in placed:
            chain.append(current)
            placed.add(current["key"])
            current = by_key.get(current["parent_key"])
        ordered.extend(reversed(chain))
    return ordered
