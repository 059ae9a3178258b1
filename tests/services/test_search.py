"""Full-text search, on SQLite (FTS5) and on PostgreSQL (GIN indexes): ranking, marking, every
filter, paging, and queries that would be syntax errors if passed through."""

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import make_engine
from app.models import AnnotationKind, Passage, utcnow
from app.services import claims, documents
from app.services.paging import PageRequest
from app.services.search import ResultType, SearchFilters, SearchResults, search
from app.services.search_terms import Term, parse_query
from tests.conftest import sqlite_url
from tests.factories import (
    make_annotation,
    make_claim,
    make_document,
    make_position,
    make_topic,
)

HOSTILE_QUERIES = [
    '"',
    '""',
    '"unclosed phrase',
    "AND OR",
    "NOT",
    "*",
    "ceasefire*",
    "NEAR(",
    "NEAR(a b, 2)",
    "'; drop table passage; --",
    "col:ceasefire",
    "^ceasefire",
    "(ceasefire",
    "a & b | !c <-> d:*",
    "\\",
    "\x00",
    "\ue000ceasefire\ue001",
    "-",
    "x" * 500,
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def search_engine(
    request: pytest.FixtureRequest, tmp_path: Path, empty_template: Path
) -> Iterator[Engine]:
    """A migrated, empty database on SQLite, and (marker `postgres`) on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "search.db"
        shutil.copy(empty_template, path)
        engine = make_engine(sqlite_url(path))
        yield engine
        engine.dispose()
        return
    databases = request.getfixturevalue("postgres_databases")
    templates = request.getfixturevalue("postgres_templates")
    name = databases.new_name("search")
    engine = make_engine(databases.create(name, template=templates["empty"]))
    try:
        yield engine
    finally:
        engine.dispose()
        databases.drop(name)


@pytest.fixture
def db(search_engine: Engine) -> Iterator[Session]:
    with Session(search_engine) as session:
        yield session


def find(
    session: Session, query: str, page: int = 20, offset: int = 0, **filters: Any
) -> SearchResults:
    return search(session, query, SearchFilters(**filters), PageRequest(page, offset))


def ids(results: SearchResults) -> list[str]:
    return [hit.id for hit in results.hits]


def passages_of(session: Session, document_id: str) -> list[Passage]:
    return documents.list_passages(session, document_id)


def test_queries_are_cut_into_quoted_words_and_phrases() -> None:
    assert parse_query("Security guarantees") == (
        Term(("security",)),
        Term(("guarantees",), prefix=True),
    )
    assert parse_query('"security guarantees" now ') == (
        Term(("security", "guarantees")),
        Term(("now",)),
    )
    assert parse_query("NEAR(") == (Term(("near",)),)
    assert parse_query("'; drop table") == (Term(("drop",)), Term(("table",), prefix=True))
    assert parse_query('"') == ()
    assert parse_query("a_b") == (Term(("a",)), Term(("b",), prefix=True))


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_find_safely_and_never_fail(db: Session, query: str) -> None:
    make_document(db, "Ceasefire now.\n\nNear the front, a ceasefire and more.\n")
    results = find(db, query)
    assert results.page.total == len(results.hits)
    # The tables are still there.
    assert db.connection().execute(text("SELECT count(*) FROM passage")).scalar_one() == 2


def test_more_occurrences_and_shorter_texts_rank_first(db: Session) -> None:
    make_document(
        db,
        "The ceasefire held in the east while diplomats met again.\n\n"
        "The ceasefire held, and a second ceasefire began while diplomats met.\n\n"
        "Ceasefire talks.\n\n"
        "Nothing to see in this passage about the weather and the harvest.\n",
        title="Ranking",
    )
    hits = find(db, "ceasefire").hits
    texts = [h.snippet.text for h in hits]
    assert len(hits) == 3
    assert texts[0].startswith("Ceasefire talks")  # PostgreSQL's snippet leaves out the "."
    assert "a second ceasefire" in texts[1]
    assert hits[0].rank > hits[1].rank > hits[2].rank


def test_matched_words_are_marked_and_text_is_kept_as_is(db: Session) -> None:
    make_document(db, 'A call for a Ceasefire <script>alert("x")</script> & more.\n', title="M")
    (hit,) = find(db, "ceasefire").hits
    assert [piece for piece, marked in hit.snippet.pieces if marked] == ["Ceasefire"]
    # The pieces are plain text: escaping is the template's job (see the route tests).
    # (PostgreSQL's ts_headline leaves out what its parser takes for HTML tags.)
    assert 'alert("x")' in hit.snippet.text
    assert hit.type is ResultType.passage
    assert hit.url == f"/documents/{hit.document_id}#p-{hit.passage_id}"


def test_phrases_prefixes_and_accents(db: Session) -> None:
    make_document(db, "Security guarantees were offered.\n\nGuarantees of security, maybe.\n")
    assert len(find(db, '"security guarantees"').hits) == 1
    assert len(find(db, "security guarantees").hits) == 2
    assert len(find(db, "guaran").hits) == 2  # the last word, while typed, is a prefix
    assert find(db, "guaran ").hits == []  # … and a whole word once a space follows it


def test_claims_are_found_by_text_and_note_and_notes_of_live_tags(db: Session) -> None:
    make_position(db, "russia")
    document = make_document(db)
    passage = passages_of(db, document.id)[1]
    make_annotation(db, passage, "russia", note="Compare with the Minsk accords")
    make_annotation(db, passage, "russia", note="Minsk again", deleted_at=utcnow())
    claim = make_claim(db, "Guarantor countries must sign", note="Minsk was not enough")
    results = find(db, "minsk")
    assert {(h.type, h.id) for h in results.hits} >= {(ResultType.claim, claim.id)}
    assert [h.type for h in results.hits].count(ResultType.note) == 1
    claim_hit = next(h for h in results.hits if h.type is ResultType.claim)
    assert claim_hit.url == f"/claims/{claim.id}"
    assert claim_hit.note is not None and claim_hit.note.marked
    note_hit = next(h for h in results.hits if h.type is ResultType.note)
    assert note_hit.url.endswith(f"#p-{passage.id}")
    assert [p for p, marked in note_hit.snippet.pieces if marked] == ["Minsk"]


def test_the_index_follows_changes_and_deletions(db: Session) -> None:
    claim = make_claim(db, "Sanctions will be lifted")
    assert ids(find(db, "sanctions")) == [claim.id]
    claim.text = "Tariffs will be lifted"
    db.add(claim)
    db.commit()
    assert find(db, "sanctions").hits == []
    assert ids(find(db, "tariffs")) == [claim.id]
    claims.delete_claim(db, claim.id)
    assert find(db, "tariffs").hits == []
    document = make_document(db, "Referendum in the east.\n")
    assert len(find(db, "referendum").hits) == 1
    documents.delete_document(db, document.id)
    assert find(db, "referendum").hits == []


@pytest.fixture
def corpus(db: Session) -> dict[str, Any]:
    """Two documents from two outlets and dates; tags by two analysts; one untagged passage."""
    make_position(db, "russia")
    make_position(db, "ukraine", ordinal=1)
    make_topic(db, "territory")
    make_topic(db, "nato")
    first = make_document(
        db,
        "Crimea will stay Russian, Moscow said.\n\nCrimea was annexed in 2014.\n",
        title="First",
        outlet="Pravda",
        published=date(2025, 8, 10),
    )
    second = make_document(
        db,
        "Crimea must return to Ukraine, Kyiv said.\n\nCrimea and NATO were discussed.\n",
        title="Second",
        outlet="Kyiv Post",
        published=date(2025, 8, 20),
    )
    p1, p2 = passages_of(db, first.id)
    q1, q2 = passages_of(db, second.id)
    make_annotation(db, p1, "russia", kind="states", topic_key="territory", analyst="alice")
    make_annotation(db, q1, "ukraine", kind="supports", topic_key="territory", analyst="bob")
    make_annotation(db, q2, "ukraine", kind="opposes", topic_key="nato", analyst="alice")
    return {"first": first, "second": second, "p1": p1, "p2": p2, "q1": q1, "q2": q2}


def passage_ids(session: Session, **filters: Any) -> set[str]:
    found = find(session, "crimea", types=frozenset({ResultType.passage}), **filters)
    return {hit.id for hit in found.hits}


def test_every_filter_narrows_the_passages(db: Session, corpus: dict[str, Any]) -> None:
    p1, p2, q1, q2 = (corpus[k].id for k in ("p1", "p2", "q1", "q2"))
    first, second = corpus["first"].id, corpus["second"].id
    assert passage_ids(db) == {p1, p2, q1, q2}
    assert passage_ids(db, document=first) == {p1, p2}
    assert passage_ids(db, outlet="kyiv post") == {q1, q2}
    assert passage_ids(db, published_from=date(2025, 8, 15)) == {q1, q2}
    assert passage_ids(db, published_to=date(2025, 8, 15)) == {p1, p2}
    assert passage_ids(db, position="ukraine") == {q1, q2}
    assert passage_ids(db, topic="territory") == {p1, q1}
    assert passage_ids(db, kind=AnnotationKind.opposes) == {q2}
    assert passage_ids(db, analyst="alice") == {p1, q2}
    # One tag must match all the tag filters at once.
    assert passage_ids(db, analyst="alice", position="ukraine", topic="territory") == set()
    assert passage_ids(db, untagged=True) == {p2}
    assert passage_ids(db, untagged=True, document=second) == set()
    assert passage_ids(db, untagged=True, position="russia") == set()


def test_result_types_and_untagged_only(db: Session, corpus: dict[str, Any]) -> None:
    claim = make_claim(db, "Crimea is Russian", topic_key="territory", stances={"russia": "holds"})
    results = find(db, "crimea")
    assert {h.type for h in results.hits} == {ResultType.passage, ResultType.claim}
    assert ids(find(db, "crimea", types=frozenset({ResultType.claim}))) == [claim.id]
    assert ids(find(db, "crimea", types=frozenset({ResultType.claim}), position="russia")) == [
        claim.id
    ]
    assert find(db, "crimea", types=frozenset({ResultType.claim}), position="ukraine").hits == []
    assert find(db, "crimea", types=frozenset({ResultType.claim}), topic="nato").hits == []
    assert {h.type for h in find(db, "crimea", untagged=True).hits} == {ResultType.passage}


def test_claims_filtered_by_their_evidence_documents_and_kind(
    db: Session, corpus: dict[str, Any]
) -> None:
    q1 = corpus["q1"]
    tag = make_annotation(db, q1, "ukraine", kind="supports")
    claim = make_claim(db, "Crimea belongs to Ukraine", evidence=[tag], analyst="bob")
    only_claims = frozenset({ResultType.claim})
    second = corpus["second"].id
    assert ids(find(db, "crimea", types=only_claims, document=second)) == [claim.id]
    assert find(db, "crimea", types=only_claims, outlet="pravda").hits == []
    assert ids(find(db, "crimea", types=only_claims, kind=AnnotationKind.supports)) == [claim.id]
    assert find(db, "crimea", types=only_claims, kind=AnnotationKind.states).hits == []
    assert ids(find(db, "crimea", types=only_claims, analyst="bob")) == [claim.id]


def test_notes_filtered_by_their_tag(db: Session, corpus: dict[str, Any]) -> None:
    p1, q1 = corpus["p1"], corpus["q1"]
    mine = make_annotation(db, p1, "russia", note="Irredentism", analyst="alice")
    theirs = make_annotation(db, q1, "ukraine", note="Irredentism", analyst="bob")
    assert set(ids(find(db, "irredentism"))) == {mine.id, theirs.id}
    assert ids(find(db, "irredentism", analyst="alice")) == [mine.id]
    assert ids(find(db, "irredentism", position="ukraine")) == [theirs.id]
    assert ids(find(db, "irredentism", outlet="Pravda")) == [mine.id]
    assert ids(find(db, "irredentism", types=frozenset({ResultType.passage}))) == []


def test_pages_and_the_total(db: Session) -> None:
    paragraphs = [f"Drone strike number {n} on the city." for n in range(25)]
    make_document(db, "\n\n".join(paragraphs) + "\n")
    first = find(db, "drone", page=10)
    second = find(db, "drone", page=10, offset=10)
    last = find(db, "drone", page=10, offset=20)
    assert (first.page.total, second.page.total, last.page.total) == (25, 25, 25)
    assert (len(first.hits), len(second.hits), len(last.hits)) == (10, 10, 5)
    assert len(set(ids(first)) | set(ids(second)) | set(ids(last))) == 25
    assert second.page.number == 2 and second.page.count == 3
    assert first.page.next_offset == 10 and last.page.next_offset is None
    assert find(db, "drone", page=1000).page.limit == 100  # at most 100 a page


def test_an_empty_query_finds_nothing(db: Session) -> None:
    make_document(db)
    results = find(db, "   ")
    assert results.hits == [] and results.page.total == 0


def test_bulk_inserts_are_indexed_too(db: Session) -> None:
    document = make_document(db, "Opening.\n")
    rows = [
        {
            "id": f"bulk-{n}",
            "document_id": document.id,
            "ordinal": n,
            "kind": "paragraph",
            "text": f"Grain corridor number {n}",
            "start": 0,
            "end": 1,
        }
        for n in range(1, 4)
    ]
    db.execute(insert(Passage), rows)  # one executemany, as the importer does
    db.commit()
    assert find(db, "corridor").page.total == 3


# Each searched table's stored vector (migration 0006) and the text it is made of.
VECTORS = {"passage": "text", "claim": "text || ' ' || note", "annotation": "note"}


@pytest.mark.postgres
def test_postgres_searches_use_the_gin_indexes(db: Session) -> None:
    if db.connection().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    plans = []
    for table in VECTORS:
        query = (
            f"SELECT id FROM {table} "
            "WHERE search_vector @@ to_tsquery('simple'::regconfig, 'crimea')"
        )
        db.connection().execute(text("SET LOCAL enable_seqscan = off"))
        plans.append(" ".join(r[0] for r in db.connection().execute(text(f"EXPLAIN {query}"))))
    assert all("_search_vector" in plan for plan in plans), plans


@pytest.mark.postgres
def test_postgres_stored_vectors_follow_every_write(db: Session) -> None:
    if db.connection().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    make_position(db, "russia")
    document = make_document(db, "Grain exports resumed.\n\nPorts reopened.\n")
    passage = passages_of(db, document.id)[0]
    tag = make_annotation(db, passage, "russia", note="Compare the corridor")
    claim = make_claim(db, "Ports stay open", note="Insurance matters")
    db.execute(
        text("UPDATE passage SET text = 'Harbours closed again' WHERE id = :id"),
        {"id": passage.id},
    )
    tag.note = "Harvest figures"
    claim.note = "Shipping lanes"
    db.add_all([tag, claim])
    db.commit()
    for table, searched in VECTORS.items():
        stale = db.execute(
            text(
                f"SELECT count(*) FROM {table} "
                f"WHERE search_vector IS DISTINCT FROM to_tsvector('simple', {searched})"
            )
        ).scalar_one()
        assert stale == 0, table
    assert ids(find(db, "harbours")) == [passage.id]
    assert find(db, "grain").hits == []
    assert ids(find(db, "harvest")) == [tag.id]
    assert ids(find(db, "shipping")) == [claim.id]
    assert find(db, "insurance").hits == []
