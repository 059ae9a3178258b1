"""The starter map: example claims on the seed corpus, so that a new user opens a map that
already shows what the product is for, and can clear it in one action.

The map is built from a recipe (`seeds/starter-map-recipe.json`: claims in an analyst's words,
the passages that evidence them, stances and relations) through the same services the pages
use, then saved as a native export (`seeds/starter-map.json`). Loading imports that file with
every claim, relation and tag marked as example data, and adds the starter actor registry
(`seeds/actors.json`: the people, organizations and states the articles name) through the
actor service, marked the same way; clearing deletes it all but for the example claims and
actors the analysts' own work refers to (see `clear_examples`).
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, delete, func, or_, union, update
from sqlmodel import Session, col, select

from app.audit import entries
from app.db import make_engine, migrate
from app.models import (
    Actor,
    ActorCreate,
    Annotation,
    AnnotationCreate,
    AnnotationKind,
    Claim,
    ClaimCreate,
    Document,
    Passage,
    PassageKind,
    Relation,
    RelationCreate,
    RelationKind,
    Stance,
    StanceFields,
    utcnow,
)
from app.services import actors, claims, tagging
from app.services.blinding import SEES_ALL, Blinding
from app.services.corpus import load_seeds
from app.services.errors import InvalidInput
from app.services.interchange.importer import ImportReport, import_map
from app.services.interchange.native import stream_export

RECIPE_FILE = "starter-map-recipe.json"
MAP_FILE = "starter-map.json"
ACTORS_FILE = "actors.json"


def _find_passage(session: Session, document_file: str, quote: str) -> Passage:
    document = session.exec(select(Document).where(Document.source_name == document_file)).first()
    if document is None:
        raise InvalidInput(f"The recipe names {document_file}, which is not in the corpus.")
    found = [
        passage
        for passage in session.exec(
            select(Passage)
            .where(Passage.document_id == document.id, Passage.kind != PassageKind.boilerplate)
            .order_by(col(Passage.ordinal))
        )
        if quote in passage.text
    ]
    if len(found) != 1:
        raise InvalidInput(
            f"The recipe's quote “{quote[:60]}” is in {len(found)} passages of {document_file}; "
            "it must be in exactly one."
        )
    return found[0]


def build_from_recipe(session: Session, recipe: dict[str, Any]) -> dict[str, str]:
    """Tag the recipe's evidence, make its claims and relate them; return claim ids by key."""
    analyst = recipe["analyst"]
    ids: dict[str, str] = {}
    for entry in recipe["claims"]:
        evidence = []
        for item in entry["evidence"]:
            passage = _find_passage(session, item["document"], item["quote"])
            start = passage.text.index(item["quote"]) if item["span"] else None
            end = start + len(item["quote"]) if start is not None else None
            annotation = tagging.tag_passage(
                session,
                AnnotationCreate(
                    passage_id=passage.id,
                    position_key=item["position"],
                    kind=AnnotationKind(item["kind"]),
                    topic_key=entry["topic"],
                    actor_key=item.get("actor"),
                    note=item.get("note", ""),
                    start=start,
                    end=end,
                ),
                analyst,
            )
            evidence.append(annotation.id)
        claim = claims.create_claim(
            session,
            ClaimCreate(
                text=entry["text"],
                topic_key=entry["topic"],
                stances=[
                    StanceFields(position_key=key, stance=Stance(stance))
                    for key, stance in entry["stances"].items()
                ],
                annotation_ids=evidence,
            ),
            analyst,
        )
        ids[entry["key"]] = claim.id
    for relation in recipe["relations"]:
        claims.create_relation(
            session,
            RelationCreate(
                source_id=ids[relation["source"]],
                target_id=ids[relation["target"]],
                kind=RelationKind(relation["kind"]),
                note=relation.get("note", ""),
            ),
            analyst,
        )
    return ids


def read_recipe(seeds_dir: Path) -> dict[str, Any]:
    recipe: dict[str, Any] = json.loads((seeds_dir / RECIPE_FILE).read_text(encoding="utf-8"))
    return recipe


@dataclass(frozen=True)
class ExampleCounts:
    claims: int
    relations: int
    annotations: int
    actors: int = 0

    def __str__(self) -> str:
        return (
            f"{self.claims} example claims, {self.relations} relations, {self.annotations} tags, "
            f"{self.actors} actors"
        )


def mark_all_as_example(session: Session) -> None:
    """Mark every claim, relation and tag as example data (for the map being built)."""
    for model in (Annotation, Relation, Claim):
        session.execute(update(model).values(example=True))
    session.commit()


def build_starter_map(seeds_dir: Path, out: Path, work_dir: Path) -> ExampleCounts:
    """Build the starter map from the recipe in a fresh database and save it as an export."""
    url = f"sqlite:///{work_dir / 'starter-map.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            load_seeds(session, seeds_dir)
            # The registry first: the recipe's tags name its actors, and the file carries them.
            load_starter_actors(session, seeds_dir)
            build_from_recipe(session, read_recipe(seeds_dir))
            mark_all_as_example(session)
            counts = count_examples(session)
        out.write_text("".join(stream_export(engine)), encoding="utf-8")
    finally:
        engine.dispose()
    return counts


@dataclass(frozen=True)
class StarterActors:
    """The starter actor registry: who it is credited to, and its actors, parents before
    their members."""

    analyst: str | None
    actors: list[ActorCreate]


def read_starter_actors(seeds_dir: Path) -> StarterActors:
    """The starter actor registry of the seed folder (empty without the file)."""
    path = seeds_dir / ACTORS_FILE
    if not path.exists():
        return StarterActors(None, [])
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise InvalidInput(f"{ACTORS_FILE} is not JSON: {error}") from error
    if not isinstance(registry, dict) or not isinstance(registry.get("actors"), list):
        raise InvalidInput(f"{ACTORS_FILE} must be an object with a list of actors.")
    try:
        listed = [ActorCreate.model_validate(entry) for entry in registry["actors"]]
    except ValidationError as error:
        raise InvalidInput(f"{ACTORS_FILE} has an invalid actor: {error}") from error
    analyst = registry.get("analyst")
    return StarterActors(analyst if isinstance(analyst, str) else None, listed)


def load_starter_actors(session: Session, seeds_dir: Path) -> int:
    """Add the starter registry's actors that are missing (by key), marked as example data,
    in one transaction; return how many were added. An actor whose key exists is left as it
    is, so loading again adds nothing. Each is checked as the actor pages check it: a name or
    alias another actor already has is refused (Conflict), and then none is added."""
    registry = read_starter_actors(seeds_dir)
    present = set(session.exec(select(Actor.key)).all())
    missing = [actor for actor in registry.actors if actor.key not in present]
    return len(actors.create_actors(session, missing, registry.analyst, example=True))


@dataclass(frozen=True)
class StarterMapReport:
    """What loading the starter map did: the import of its claims, relations and tags, and
    how many actors of the starter registry it added."""

    imported: ImportReport
    actors: int

    def __str__(self) -> str:
        return f"{self.imported} Added {_counted(self.actors, 'example actor')}."


def load_starter_map(session: Session, seeds_dir: Path) -> StarterMapReport | None:
    """Add the starter actor registry, then import the starter map (all or nothing), if the
    seed folder has a map. Loading again adds nothing."""
    path = seeds_dir / MAP_FILE
    if not path.exists():
        return None
    added = load_starter_actors(session, seeds_dir)
    return StarterMapReport(import_map(session, path.read_bytes()), added)


def count_examples(session: Session, blinding: Blinding = SEES_ALL) -> ExampleCounts:
    """How much example data there is; of the tags, those the reader's `blinding` lets them
    see (a coder sees no example tag in the documents they code)."""

    def count(model: Any, *more: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(model).where(model.example, *more)
        return session.exec(query).one()

    visible = blinding.visible_condition()
    tags = count(Annotation, *([] if visible is None else [visible]))
    return ExampleCounts(count(Claim), count(Relation), tags, count(Actor))


@dataclass(frozen=True)
class ClearedExamples:
    """What clearing the example data did: how many example claims, relations, tags and
    actors it deleted, and how many example claims and actors it kept because the analysts'
    work needs them."""

    claims: int
    relations: int
    annotations: int
    kept_claims: int
    actors: int = 0
    kept_actors: int = 0

    def message(self) -> str:
        """The outcome in a sentence or two, for the page and the API."""
        said = (
            f"Deleted {_counted(self.claims, 'example claim')}, "
            f"{_counted(self.relations, 'relation')}, {_counted(self.annotations, 'tag')} "
            f"and {_counted(self.actors, 'actor')}."
        )
        kept = [_kept(self.kept_claims, "claim"), _kept(self.kept_actors, "actor")]
        return " ".join([said, *(sentence for sentence in kept if sentence)])


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _kept(number: int, noun: str) -> str:
    if number == 1:
        return (
            f"1 example {noun} was kept because your work refers to it; it is now an ordinary "
            f"{noun}."
        )
    if number:
        return (
            f"{number} example {noun}s were kept because your work refers to them; they are now "
            f"ordinary {noun}s."
        )
    return ""


def _claims_needed_by_own_work() -> ColumnElement[bool]:
    """The example claims that something of the analysts' own points at: a relation to or
    from the claim, or a tag (removed ones too: they can be brought back) as its evidence."""
    own_relation_ends = union(
        select(Relation.source_id).where(~col(Relation.example)),
        select(Relation.target_id).where(~col(Relation.example)),
    )
    own_evidence = select(Annotation.claim_id).where(
        ~col(Annotation.example), col(Annotation.claim_id).is_not(None)
    )
    return and_(
        col(Claim.example),
        or_(col(Claim.id).in_(own_relation_ends), col(Claim.id).in_(own_evidence)),
    )


def _actors_needed_by_own_work(session: Session) -> list[Actor]:
    """The example actors that something of the analysts' own names: their tag (removed ones
    too: they can be brought back) or their actor, as its parent; and the example actors
    those belong to, directly or not, since a kept actor becomes the analysts' own and keeps
    its parent."""
    named = set(
        session.exec(
            select(Annotation.actor_key).where(
                ~col(Annotation.example), col(Annotation.actor_key).is_not(None)
            )
        ).all()
    )
    named |= set(
        session.exec(
            select(Actor.parent_key).where(~col(Actor.example), col(Actor.parent_key).is_not(None))
        ).all()
    )
    example_actors = {
        actor.key: actor for actor in session.exec(select(Actor).where(col(Actor.example)))
    }
    needed: dict[str, Actor] = {}
    waiting = [key for key in named if key is not None]
    while waiting:
        key = waiting.pop()
        actor = example_actors.get(key)
        if actor is None or key in needed:
            continue
        needed[key] = actor
        if actor.parent_key is not None:
            waiting.append(actor.parent_key)
    return list(needed.values())


def clear_examples(session: Session) -> ClearedExamples:
    """Delete the example data in one transaction, keeping the analysts' own work whole.

    The rule: an example claim that the analysts' own work refers to (their relation to or
    from it, or their tag, even a removed one, as its evidence) is kept and becomes an
    ordinary claim (no longer marked example) with its text, topic and stances, so that
    their relations and evidence links survive as they are. Likewise an example actor that
    their tag (even a removed one) names, or that one of their actors belongs to, is kept as
    an ordinary actor, and so are the example actors it belongs to. Everything else marked
    example goes: the other example claims and actors, every example relation (even one
    between two kept claims) and every example tag (so a kept claim keeps only the analysts'
    evidence). The analysts' own tags, claims, relations and actors are never deleted.

    History records the kept claims' and actors' change (an update) and every deletion.
    """
    counts = count_examples(session)
    # Through the ORM, so that the history's session events record each one's update.
    kept_claims = list(session.exec(select(Claim).where(_claims_needed_by_own_work())))
    kept_actors = _actors_needed_by_own_work(session)
    now = utcnow()
    for item in [*kept_claims, *kept_actors]:
        item.example = False
        item.updated_at = now
        session.add(item)
    session.flush()
    # Core deletes, which the history's session events do not see: each table's rows are
    # recorded just before they go (a claim's with the relations that go with it: only
    # example ones, since a claim with one of the analysts' relations was kept). Actors go
    # last: only example tags and example actors still name the ones that go.
    for model in (Annotation, Relation, Claim, Actor):
        entries.record_deletions(session, model, col(model.example))
        session.execute(delete(model).where(col(model.example)))
    session.commit()
    return ClearedExamples(
        claims=counts.claims - len(kept_claims),
        relations=counts.relations,
        annotations=counts.annotations,
        kept_claims=len(kept_claims),
        actors=counts.actors - len(kept_actors),
        kept_actors=len(kept_actors),
    )
