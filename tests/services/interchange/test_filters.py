"""The filters every export format shares, and the one way the formats apply them differently:
whether a claim's orphaned evidence selects it."""

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.models import Annotation
from app.services.errors import NotFound
from app.services.interchange.aif.export import export_aif
from app.services.interchange.filters import ExportFilters
from app.services.interchange.native import export_map, stream_export
from app.services.interchange.w3c import stream_w3c
from tests.export_source import Source, build_source, orphan_a1_and_the_cited_passage
from tests.factories import make_claim

ORPHANS_CLAIM = "A claim whose only evidence lost its place"


@pytest.fixture
def source(seeded_engine: Engine) -> Source:
    """The export source, with a claim whose only evidence (a1, in document 0) is an orphan."""
    source = build_source(seeded_engine)
    with Session(seeded_engine) as session:
        a1 = session.get_one(Annotation, source.annotations["a1"])
        make_claim(session, ORPHANS_CLAIM, evidence=[a1])
    orphan_a1_and_the_cited_passage(source)
    return source


def native_claims(source: Source, filters: ExportFilters) -> set[str]:
    return {claim["text"] for claim in export_map(source.engine, filters)["claims"]}


def aif_claims(source: Source, filters: ExportFilters) -> set[str]:
    with Session(source.engine) as session:
        nodes = export_aif(session, filters)["AIF"]["nodes"]
    return {node["text"] for node in nodes if node["type"] == "I"}


def test_a_claim_whose_only_evidence_is_an_orphan_is_in_both_formats_unfiltered(
    source: Source,
) -> None:
    assert ORPHANS_CLAIM in native_claims(source, ExportFilters())
    assert ORPHANS_CLAIM in aif_claims(source, ExportFilters())


def test_under_its_documents_filter_only_the_native_export_keeps_it(source: Source) -> None:
    # The native export writes orphans (they keep their document), so their claims come too;
    # AIF reads evidence through its passage, which an orphan no longer has.
    in_document_0 = ExportFilters(document=source.documents[0])

    assert ORPHANS_CLAIM in native_claims(source, in_document_0)
    assert ORPHANS_CLAIM not in aif_claims(source, in_document_0)


def test_the_formats_agree_on_every_other_claim_under_each_filter(source: Source) -> None:
    for filters in (
        ExportFilters(document=source.documents[0]),
        ExportFilters(document=source.documents[1]),
        ExportFilters(position="russia"),
        ExportFilters(topic="nato"),
        ExportFilters(document=source.documents[1], position="us", topic="nato"),
    ):
        assert native_claims(source, filters) - {ORPHANS_CLAIM} == aif_claims(source, filters)


def _native(engine: Engine, filters: ExportFilters) -> object:
    return stream_export(engine, filters)


def _w3c(engine: Engine, filters: ExportFilters) -> object:
    return stream_w3c(engine, filters, "http://argmap.test")


def _aif(engine: Engine, filters: ExportFilters) -> object:
    with Session(engine) as session:
        return export_aif(session, filters)


@pytest.mark.parametrize("export", [_native, _w3c, _aif], ids=["native", "w3c", "aif"])
@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (ExportFilters(document="nope"), "There is no document with the id 'nope'."),
        (ExportFilters(position="martians"), "There is no position with the key 'martians'."),
        (ExportFilters(topic="weather"), "There is no topic with the key 'weather'."),
    ],
)
def test_every_format_refuses_an_unknown_filter_before_any_output(
    seeded_engine: Engine,
    export: Callable[[Engine, ExportFilters], object],
    filters: ExportFilters,
    message: str,
) -> None:
    with pytest.raises(NotFound) as raised:
        export(seeded_engine, filters)  # the call itself raises, before any iterating
    assert raised.value.message == message


def test_the_filters_given_read_in_a_fixed_order() -> None:
    filters = ExportFilters(topic="nato", document="d1")

    assert filters.as_record() == {"document": "d1", "position": None, "topic": "nato"}
    assert list(filters.chosen().items()) == [("document", "d1"), ("topic", "nato")]
    assert ExportFilters().chosen() == {}
    assert not ExportFilters().any
