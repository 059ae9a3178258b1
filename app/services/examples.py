"""The starter map: example claims on the seed corpus, so that a new user opens a map that
already shows what the product is for, and can clear it in one action.

The map is built from a recipe (`seeds/starter-map-recipe.json`: claims in an analyst's words,
the passages that evidence them, stances and relations) through the same services the pages
use, then saved as a native export (`seeds/starter-map.json`). Loading imports that file with
every claim, relation and tag marked as example data; clearing deletes it but for the example
claims the analysts' own work refers to (see `clear_examples`).
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, union, update
from sqlmodel import Session, col, select

from app.audit import entries
from app.db import make_engine, migrate
from app.models import (
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
from app.services import claims, tagging
from app.services.corpus import load_seeds
from app.services.errors import InvalidInput
from app.services.interchange.importer import ImportReport, import_map
from app.services.interchange.native import stream_export

RECIPE_FILE = "starter-map-recipe.json"
MAP_FILE = "starter-map.json"


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

    def __str__(self) -> str:
        return f"{self.claims} example claims, {self.relations} relations, {self.annotations} tags"


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
            build_from_recipe(session, read_recipe(seeds_dir))
            mark_all_as_example(session)
            counts = count_examples(session)
        out.write_text("".join(stream_export(engine)), encoding="utf-8")
    finally:
        engine.dispose()
    return counts


def load_starter_map(session: Session, seeds_dir: Path) -> ImportReport | None:
    """Import the starter map (all or nothing) if the seed folder has one."""
    path = seeds_dir / MAP_FILE
    if not path.exists():
        return None
    return import_map(session, path.read_bytes())


def count_examples(session: Session) -> ExampleCounts:
    def count(model: Any) -> int:
        return session.exec(select(func.count()).select_from(model).where(model.example)).one()

    return ExampleCounts(count(Claim), count(Relation), count(Annotation))


@dataclass(frozen=True)
class ClearedExamples:
    """What clearing the example data did: how many example claims, relations and tags it
    deleted, and how many example claims it kept because the analysts' work needs them."""

    claims: int
    relations: int
    annotations: int
    kept_claims: int

    def message(self) -> str:
        """The outcome in a sentence or two, for the page and the API."""
        said = (
            f"Deleted {_counted(self.claims, 'example claim')}, "
            f"{_counted(self.relations, 'relation')} and {_counted(self.annotations, 'tag')}."
        )
        if self.kept_claims == 1:
            return (
                f"{said} 1 example claim was kept because your work refers to it; "
                "it is now an ordinary claim."
            )
        if self.kept_claims:
            return (
                f"{said} {self.kept_claims} example claims were kept because your work refers "
                "to them; they are now ordinary claims."
            )
        return said


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


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


def clear_examples(session: Session) -> ClearedExamples:
    """Delete the example data in one transaction, keeping the analysts' own work whole.

    The rule: an example claim that the analysts' own work refers to (their relation to or
    from it, or their tag, even a removed one, as its evidence) is kept and becomes an
    ordinary claim (no longer marked example) with its text, topic and stances, so that
    their relations and evidence links survive as they are. Everything else marked example
    goes: the other example claims, every example relation (even one between two kept
    claims) and every example tag (so a kept claim keeps only the analysts' evidence). The
    analysts' own tags, claims and relations are never deleted.

    History records the kept claims' change (an update) and every deletion.
    """
    counts = count_examples(session)
    # Through the ORM, so that the history's session events record each claim's update.
    kept = list(session.exec(select(Claim).where(_claims_needed_by_own_work())))
    now = utcnow()
    for claim in kept:
        claim.example = False
        claim.updated_at = now
        session.add(claim)
    session.flush()
    # Core deletes, which the history's session events do not see: each table's rows are
    # recorded just before they go (a claim's with the relations that go with it: only
    # example ones, since a claim with one of the analysts' relations was kept).
    for model in (Annotation, Relation, Claim):
        entries.record_deletions(session, model, col(model.example))
        session.execute(delete(model).where(col(model.example)))
    session.commit()
    return ClearedExamples(
        claims=counts.claims - len(kept),
        relations=counts.relations,
        annotations=counts.annotations,
        kept_claims=len(kept),
    )
