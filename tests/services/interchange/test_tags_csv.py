"""The CSV of tags: its columns, RFC 4180 as Python's csv and pandas read it, the filters,
orphans, example data, the spreadsheet guard and streaming from one snapshot."""

import csv
import io
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.config import PROJECT_ROOT
from app.models import ActorCreate, Annotation, Document, Passage
from app.services import actors
from app.services.examples import count_examples, load_starter_map
from app.services.interchange import tags_csv, writing
from app.services.interchange.native import export_map
from app.services.interchange.tags_csv import COLUMNS, guard_formula, stream_tags_csv
from app.services.tag_filters import TagFilters
from tests.export_source import (
    NOTE,
    T0,
    Source,
    build_source,
    name_actors,
    orphan_a1_and_the_cited_passage,
)
from tests.factories import make_annotation, make_claim, make_document

HOSTILE = 'He said, "no" —\r\nthen: «ça, non» 🇺🇦\nand left,'


@pytest.fixture
def source(seeded_engine: Engine) -> Source:
    return build_source(seeded_engine)


def csv_text(engine: Engine, filters: TagFilters | None = None, **options: Any) -> str:
    return "".join(stream_tags_csv(engine, filters or TagFilters(), **options))


def read_rows(text: str) -> list[dict[str, str]]:
    """The file as Python's csv module reads it (newline="" keeps line breaks in fields)."""
    return list(csv.DictReader(io.StringIO(text, newline="")))


def rows_by_tag(engine: Engine, filters: TagFilters | None = None) -> dict[str, dict[str, str]]:
    return {row["tag_id"]: row for row in read_rows(csv_text(engine, filters))}


def blank(value: Any) -> str:
    """How a value of the native export reads in the CSV: None is empty, numbers as digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- the format ----------------------------------------------------------------------------


def test_the_header_names_every_column_in_snake_case(source: Source) -> None:
    text = csv_text(source.engine)
    header = text.split("\r\n", 1)[0]
    assert header == ",".join(COLUMNS)
    assert all(name.isidentifier() and name == name.lower() for name in COLUMNS)
    assert len(set(COLUMNS)) == len(COLUMNS)


def test_the_actor_columns_name_who_says_it(source: Source) -> None:
    with Session(source.engine) as session:
        actors.create_actor(session, ActorCreate(key="lavrov", name="Sergey Lavrov"), None)
        tag = session.exec(select(Annotation).where(col(Annotation.deleted_at).is_(None))).first()
        assert tag is not None
        tag.actor_key = "lavrov"
        session.add(tag)
        session.commit()
        tag_id = tag.id
    rows = rows_by_tag(source.engine)
    assert (rows[tag_id]["actor_key"], rows[tag_id]["actor_name"]) == ("lavrov", "Sergey Lavrov")
    others = [row for key, row in rows.items() if key != tag_id]
    assert others
    assert all(row["actor_key"] == row["actor_name"] == "" for row in others)


def test_one_row_per_live_tag_with_what_the_native_export_says_of_it(source: Source) -> None:
    native = export_map(source.engine)
    rows = rows_by_tag(source.engine)

    assert list(rows) == [a["id"] for a in native["annotations"]]  # the same order
    assert source.annotations["a4"] not in rows  # removed
    documents = {d["id"]: d for d in native["documents"]}
    passages = {p["id"]: p for p in native["passages"]}
    positions = {p["key"]: p["name"] for p in native["positions"]}
    topics = {t["key"]: t["name"] for t in native["topics"]}
    claims = {c["id"]: c for c in native["claims"]}
    for annotation in native["annotations"]:
        row = rows[annotation["id"]]
        document = documents[annotation["document_id"]]
        passage = passages[annotation["passage_id"]]
        for name in ("document_id", "passage_id", "position_key", "kind", "topic_key"):
            assert row[name] == blank(annotation[name]), name
        for name in ("claim_id", "note", "analyst", "created_at", "updated_at", "orphaned_at"):
            assert row[name] == blank(annotation[name]), name
        for name in ("title", "outlet", "author", "published", "url"):
            assert row[f"document_{name}"] == blank(document[name]), name
        assert row["passage_ordinal"] == str(passage["ordinal"])
        assert row["passage_kind"] == passage["kind"]
        assert row["start_in_document"] == str(annotation["document_start"])
        assert row["end_in_document"] == str(annotation["document_end"])
        assert row["position_name"] == positions[annotation["position_key"]]
        assert row["topic_name"] == blank(topics.get(annotation["topic_key"]))
        claim = claims.get(annotation["claim_id"])
        assert row["claim_text"] == (claim["text"] if claim else "")
        stances = {s["position_key"]: s["stance"] for s in claim["stances"]} if claim else {}
        assert row["claim_stance"] == stances.get(annotation["position_key"], "")
        assert (row["orphaned"], row["example"]) == ("false", "false")


def test_a_whole_passage_tag_quotes_its_passage(source: Source) -> None:
    row = rows_by_tag(source.engine)[source.annotations["a1"]]
    with Session(source.engine) as session:
        passage = session.get_one(Passage, row["passage_id"])
        document = session.get_one(Document, passage.document_id)

    assert row["whole_passage"] == "true"
    assert row["quote"] == passage.text
    assert (row["start_in_passage"], row["end_in_passage"]) == ("0", str(len(passage.text)))
    assert (row["start_in_document"], row["end_in_document"]) == (
        str(passage.start),
        str(passage.end),
    )
    assert row["document_title"] == (document.title or "")
    # A topic, no claim.
    assert (row["topic_key"], row["topic_name"]) == ("territory", "Territory")
    assert row["claim_id"] == row["claim_text"] == row["claim_stance"] == ""


def test_a_span_tag_gives_its_quote_and_both_places(source: Source) -> None:
    rows = rows_by_tag(source.engine)
    across_break = rows[source.annotations["a2"]]  # a span over a line break, with a claim
    with Session(source.engine) as session:
        passage = session.get_one(Passage, source.wrapped.id)
        original = session.get_one(Document, passage.document_id).original_text

    start, end = int(across_break["start_in_passage"]), int(across_break["end_in_passage"])
    assert across_break["whole_passage"] == "false"
    assert across_break["quote"] == passage.text[start:end]
    document_start = int(across_break["start_in_document"])
    document_end = int(across_break["end_in_document"])
    assert " ".join(original[document_start:document_end].split()) == across_break["quote"]
    assert document_end - document_start > end - start  # the line break is longer in the text
    assert across_break["note"] == NOTE  # a newline, markup and emoji, unchanged
    assert across_break["analyst"] == "Ólafur"
    # Claim C, held by russia and us: ukraine, this tag's position, takes no stance on it.
    assert across_break["claim_id"] == source.claims["C"]
    assert across_break["claim_text"] == "Ukraine cannot win by military means"
    assert (across_break["topic_key"], across_break["claim_stance"]) == ("", "")
    # a3 (us, on NATO) is evidence for claim A, which us neither holds nor rejects; a5 (russia)
    # for B, which russia holds.
    assert rows[source.annotations["a5"]]["claim_stance"] == "holds"


def test_the_stance_is_the_tags_positions_on_its_claim(source: Source) -> None:
    with Session(source.engine) as session:
        passage = session.get_one(Passage, source.wrapped.id)
        rejecting = make_annotation(session, passage, "ukraine", "opposes", created_at=T0)
        make_claim(session, "Rejected", stances={"ukraine": "rejects"}, evidence=[rejecting])
        rejecting_id = rejecting.id

    assert rows_by_tag(source.engine)[rejecting_id]["claim_stance"] == "rejects"


def test_times_are_utc_with_a_trailing_z(source: Source) -> None:
    row = rows_by_tag(source.engine)[source.annotations["a2"]]
    assert row["created_at"] == "2025-08-15T10:05:00Z"
    assert row["updated_at"] == "2025-08-15T10:07:00Z"
    assert row["orphaned_at"] == ""


def test_the_file_is_rfc_4180(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as session:
        document = make_document(
            session, text=f"First paragraph, plain.\n\n{HOSTILE} end.\n", title='A "title", too'
        )
        passage = session.exec(
            select(Passage).where(Passage.document_id == document.id, Passage.ordinal == 1)
        ).one()
        make_annotation(session, passage, "russia", start=0, end=len(HOSTILE), note=HOSTILE)

    raw = "".join(stream_tags_csv(seeded_engine)).encode("utf-8")

    assert not raw.startswith(b"\xef\xbb\xbf")  # no byte order mark
    assert raw.endswith(b"\r\n")
    # Every record ends with CRLF; the fields with a comma, a quote or a line break are quoted,
    # their quotes doubled.
    assert b'"A ""title"", too"' in raw
    assert b"Ana,2025" not in raw and b",Ana," in raw  # plain fields are not quoted
    rows = read_rows(raw.decode("utf-8"))
    assert len(rows) == 1
    assert rows[0]["document_title"] == 'A "title", too'
    assert rows[0]["note"] == HOSTILE


# --- read back as analysts do ---------------------------------------------------------------


def hostile_map(engine: Engine) -> int:
    """Tags whose quotes and notes hold commas, quotes, line breaks and non-ASCII text, and
    text a spreadsheet would run; returns how many live tags there are."""
    texts = [
        HOSTILE,
        '=HYPERLINK("http://evil.test","x")',
        "-3% in a year, +5 the next",
        "@mention and \ttab",
        "Ärger über „Zölle“ — 北约 — مرحبا",
    ]
    with Session(engine) as session:
        document = make_document(session, text="\n\n".join(texts) + "\n", title="Hostile, text")
        passages = session.exec(select(Passage).where(Passage.document_id == document.id)).all()
        for number, passage in enumerate(passages):
            make_annotation(
                session,
                passage,
                "russia",
                start=0 if number % 2 else None,
                end=len(passage.text) if number % 2 else None,
                note=texts[(number + 1) % len(texts)],
                created_at=T0 + timedelta(minutes=number),
            )
    return len(texts)


@pytest.mark.parametrize("spreadsheet", [False, True], ids=["exact", "spreadsheet"])
def test_pythons_csv_and_pandas_read_back_every_value(source: Source, spreadsheet: bool) -> None:
    live = 4 + hostile_map(source.engine)
    orphan_a1_and_the_cited_passage(source)
    text = csv_text(source.engine, spreadsheet=spreadsheet)
    rows = read_rows(text)

    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)

    assert len(rows) == len(frame) == live
    assert list(frame.columns) == list(COLUMNS)
    assert frame.to_dict("records") == rows
    exact = read_rows(csv_text(source.engine))
    for guarded, original in zip(rows, exact, strict=True):
        for name in COLUMNS:
            expected = guard_formula(original[name]) if spreadsheet else original[name]
            assert guarded[name] == expected, name


def test_pandas_reads_numbers_and_logicals_as_such(source: Source) -> None:
    frame = pd.read_csv(io.StringIO(csv_text(source.engine)))
    assert frame["passage_ordinal"].dtype.kind == "i"
    assert frame["start_in_document"].dtype.kind == "i"
    assert frame["example"].dtype == bool
    assert frame["orphaned"].dtype == bool
    assert frame["whole_passage"].dtype == bool


def test_text_is_exact_unless_guarded_for_a_spreadsheet(seeded_engine: Engine) -> None:
    hostile_map(seeded_engine)
    exact = read_rows(csv_text(seeded_engine))
    guarded = read_rows(csv_text(seeded_engine, spreadsheet=True))

    quotes = [row["quote"] for row in exact]
    assert '=HYPERLINK("http://evil.test","x")' in quotes
    assert [row["quote"] for row in guarded] == [
        "'" + q if q[:1] in ("=", "+", "-", "@") else q for q in quotes
    ]
    # Times, numbers and ids never start like a formula, and stay as they are.
    for plain, safe in zip(exact, guarded, strict=True):
        for name in ("tag_id", "created_at", "start_in_document", "example"):
            assert plain[name] == safe[name]


@pytest.mark.parametrize(
    ("value", "guarded"),
    [
        ("=1+2", "'=1+2"),
        ("+33 1", "'+33 1"),
        ("-3%", "'-3%"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a = b", "a = b"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_the_guard_prefixes_what_a_spreadsheet_would_run(value: str, guarded: str) -> None:
    assert guard_formula(value) == guarded


# --- what the file holds ---------------------------------------------------------------------


def test_an_orphan_keeps_its_document_and_quote_without_a_place(source: Source) -> None:
    orphan_a1_and_the_cited_passage(source)
    rows = rows_by_tag(source.engine)
    orphan = rows[source.annotations["a1"]]

    assert orphan["document_id"] == source.documents[0]
    assert orphan["quote"]  # the text it covered
    assert orphan["orphaned"] == "true" and orphan["orphaned_at"].endswith("Z")
    for name in ("passage_id", "passage_ordinal", "passage_kind", "whole_passage"):
        assert orphan[name] == "", name
    for name in ("start_in_passage", "end_in_passage", "start_in_document", "end_in_document"):
        assert orphan[name] == "", name
    assert rows[source.annotations["a3"]]["orphaned"] == "false"
    # A document filter keeps it, as the native export does.
    assert source.annotations["a1"] in rows_by_tag(
        source.engine, TagFilters(document=source.documents[0])
    )


def test_the_starter_maps_tags_are_included_and_marked(seeded_engine: Engine) -> None:
    with Session(seeded_engine) as session:
        load_starter_map(session, PROJECT_ROOT / "seeds")
        examples = count_examples(session).annotations
    rows = read_rows(csv_text(seeded_engine))

    assert examples > 0
    assert sum(row["example"] == "true" for row in rows) == examples == len(rows)
    native = export_map(seeded_engine)["annotations"]
    assert [row["tag_id"] for row in rows] == [a["id"] for a in native]


@pytest.mark.parametrize(
    "chosen",
    [
        {"position": "russia"},
        {"topic": "nato"},
        {"topic": "territory"},  # a2 through its claim
        {"document": 1},
        {"position": "russia", "topic": "territory"},
        {"position": "europe"},  # only a removed tag
    ],
    ids=["position", "topic", "claims-topic", "document", "position-and-topic", "nothing-live"],
)
def test_the_filters_choose_the_tags_a_reading_of_the_whole_export_would(
    source: Source, chosen: dict[str, Any]
) -> None:
    orphan_a1_and_the_cited_passage(source)
    if "document" in chosen:
        chosen = {"document": source.documents[chosen["document"]]}
    whole = export_map(source.engine)
    claim_topics = {claim["id"]: claim["topic_key"] for claim in whole["claims"]}

    def passes(tag: dict[str, Any]) -> bool:
        # The topic is the tag's own, or its claim's when it has none (as the matrix counts).
        topic = tag["topic_key"] or claim_topics.get(tag["claim_id"])
        seen = {"document": tag["document_id"], "position": tag["position_key"], "topic": topic}
        return all(seen[name] == value for name, value in chosen.items())

    rows = read_rows(csv_text(source.engine, TagFilters(**chosen)))

    assert [row["tag_id"] for row in rows] == [a["id"] for a in whole["annotations"] if passes(a)]
    assert rows or chosen == {"position": "europe"}


def test_a_topic_takes_the_tags_whose_claim_is_on_it(source: Source) -> None:
    rows = read_rows(csv_text(source.engine, TagFilters(topic="territory")))

    # a2 has no topic of its own; it is evidence for a claim on territory.
    a2 = next(row for row in rows if row["tag_id"] == source.annotations["a2"])
    assert a2["topic_key"] == "" and a2["claim_id"] == source.claims["C"]
    assert {row["tag_id"] for row in rows} == {source.annotations[n] for n in ("a1", "a2")}


def test_an_unknown_filter_is_refused_before_any_output(source: Source) -> None:
    from app.services.errors import NotFound

    with pytest.raises(NotFound):
        stream_tags_csv(source.engine, TagFilters(topic="weather"))


def test_an_empty_map_gives_the_header_alone(engine: Engine) -> None:
    assert csv_text(engine) == ",".join(COLUMNS) + "\r\n"


def awkward_map(source: Source) -> None:
    """Everything the file treats apart, in one map: hostile quotes and notes, text a
    spreadsheet would run in every kind of field, names with commas and quotes, a whole-passage
    tag and a span on a passage whose lines were joined, claims with and without a stance of
    the tag's position, tags with and without actor, topic or claim, a removed tag, an orphan."""
    name_actors(source)
    hostile_map(source.engine)
    with Session(source.engine) as session:
        actors.create_actor(session, ActorCreate(key="odd", name='=Odd, "actor"'), None)
        document = make_document(
            session,
            text="-Plain start, then more.\n\n@Second paragraph.\n",
            title="=SUM(A1)",
            outlet='-Outlet, "Inc."',
            author="@someone",
            url="https://example.test/a,b",
        )
        first, second = session.exec(
            select(Passage).where(Passage.document_id == document.id).order_by(col(Passage.ordinal))
        ).all()
        named = make_annotation(session, first, "us", "supports", actor_key="odd", note="+1")
        span = make_annotation(session, second, "ukraine", start=1, end=7, analyst="=analyst")
        make_claim(session, '-Claim, with "quotes"', stances={"us": "holds"}, evidence=[named])
        make_claim(session, "A claim nobody here takes a stance on", evidence=[span])
        wrapped = session.get_one(Passage, source.wrapped.id)
        make_annotation(session, wrapped, "russia", "opposes", topic_key="nato")
    orphan_a1_and_the_cited_passage(source)


def reference_csv(engine: Engine, *, spreadsheet: bool) -> str:
    """The file as the native export describes the live tags, written by Python's csv module:
    an independent reference, byte for byte."""
    native = export_map(engine)
    documents = {d["id"]: d for d in native["documents"]}
    passages = {p["id"]: p for p in native["passages"]}
    names = {p["key"]: p["name"] for p in native["positions"]}
    topics = {t["key"]: t["name"] for t in native["topics"]}
    actor_names = {a["key"]: a["name"] for a in native["actors"]}
    claims = {c["id"]: c for c in native["claims"]}

    def text(value: str | None) -> str:
        if value is None:
            return ""
        return guard_formula(value) if spreadsheet else value

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for tag in native["annotations"]:
        document = documents[tag["document_id"]]
        passage = passages.get(tag["passage_id"]) or {"ordinal": None, "kind": None}
        quote, start, end = tag["quote"], tag["start"], tag["end"]
        whole = "" if tag["passage_id"] is None else blank(start is None)
        if tag["passage_id"] is not None and start is None:
            quote, start, end = passage["text"], 0, len(passage["text"])
        claim = claims.get(tag["claim_id"])
        stances = {s["position_key"]: s["stance"] for s in claim["stances"]} if claim else {}
        writer.writerow(
            [
                text(tag["id"]),
                text(document["id"]),
                text(document["title"]),
                text(document["outlet"]),
                text(document["author"]),
                blank(document["published"]),
                text(document["url"]),
                text(tag["passage_id"]),
                blank(passage["ordinal"]),
                text(passage["kind"]),
                whole,
                text(quote),
                blank(start),
                blank(end),
                blank(tag["document_start"]),
                blank(tag["document_end"]),
                text(tag["position_key"]),
                text(names[tag["position_key"]]),
                text(tag["kind"]),
                text(tag["topic_key"]),
                text(topics.get(tag["topic_key"])),
                text(tag["actor_key"]),
                text(actor_names.get(tag["actor_key"])),
                text(tag["claim_id"]),
                text(claim["text"] if claim else None),
                text(stances.get(tag["position_key"])),
                text(tag["note"]),
                text(tag["analyst"]),
                tag["created_at"],
                tag["updated_at"],
                blank(tag["orphaned_at"] is not None),
                blank(tag["orphaned_at"]),
                blank(tag["example"]),
            ]
        )
    return buffer.getvalue()


@pytest.mark.parametrize("spreadsheet", [False, True], ids=["exact", "spreadsheet"])
def test_the_file_is_the_native_exports_tags_written_by_pythons_csv_module(
    source: Source, spreadsheet: bool
) -> None:
    awkward_map(source)
    text = csv_text(source.engine, spreadsheet=spreadsheet)

    assert text == reference_csv(source.engine, spreadsheet=spreadsheet)
    rows = read_rows(text)
    assert {"true", "false"} <= {row["whole_passage"] for row in rows}
    assert any(row["orphaned"] == "true" for row in rows)
    assert any(row["claim_id"] and not row["claim_stance"] for row in rows)
    assert any(row["claim_stance"] for row in rows)
    if spreadsheet:
        assert "'=SUM(A1)" in text and "'=Odd" in text and "'-Claim" in text


# --- streaming ---------------------------------------------------------------------------------


def test_the_file_reads_one_snapshot_while_others_write(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tags_csv, "BATCH_SIZE", 1)
    monkeypatch.setattr(writing, "CHUNK_SIZE", 1)  # hand on every batch as soon as it is made
    before = csv_text(source.engine)
    chunks = stream_tags_csv(source.engine)
    started = [next(chunks), next(chunks)]  # the header, then the first tag: reading began
    with Session(source.engine) as session:
        passage = session.get_one(Passage, source.wrapped.id)
        make_annotation(session, passage, "russia", created_at=T0 + timedelta(days=1))

    assert "".join([*started, *chunks]) == before
    assert csv_text(source.engine) != before


def test_rows_are_read_in_batches_and_handed_on_in_chunks(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = csv_text(source.engine)
    monkeypatch.setattr(tags_csv, "BATCH_SIZE", 1)
    monkeypatch.setattr(writing, "CHUNK_SIZE", 1)
    chunks = list(stream_tags_csv(source.engine))

    assert "".join(chunks) == whole
    assert len(chunks) == 1 + 4  # the header, then a chunk per row


def test_fields_are_quoted_exactly_as_pythons_csv_writer_quotes_them(source: Source) -> None:
    hostile_map(source.engine)
    orphan_a1_and_the_cited_passage(source)
    for spreadsheet in (False, True):
        text = csv_text(source.engine, spreadsheet=spreadsheet)
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerows(csv.reader(io.StringIO(text, newline="")))
        assert text == buffer.getvalue()
