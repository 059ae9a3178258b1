"""AIF JSON: the export's structure, the round trip through an empty database, re-imports,
the xaif documentation's example, other tools' shapes, and refused files."""

import copy
import json
from collections import Counter
from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Position,
    Relation,
)
from app.services.errors import InvalidInput
from app.services.interchange.aif import load as aif_load
from app.services.interchange.aif.export import export_aif
from app.services.interchange.aif.load import claim_text_key, import_aif
from app.services.interchange.filters import ExportFilters
from app.services.reanchor import replace_document_text
from app.services.segmentation import join_wrapped_lines
from tests.export_source import (
    TABLES,
    XAIF_SAMPLE,
    SmallMap,
    build_map,
    count_rows,
)
from tests.factories import (
    make_claim,
    make_position,
    make_relation,
    make_topic,
)

# What an AIF import may add to.
AIF_TABLES = {
    name: TABLES[name] for name in ("positions", "topics", "claims", "stances", "relations")
}


@pytest.fixture
def small_map(seeded_session: Session) -> SmallMap:
    return build_map(seeded_session)


@pytest.fixture
def exported(seeded_session: Session, small_map: SmallMap) -> dict[str, Any]:
    return export_aif(seeded_session)


def nodes_of(document: dict[str, Any], node_type: str) -> list[dict[str, Any]]:
    return [node for node in document["AIF"]["nodes"] if node["type"] == node_type]


def arcs(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(edge["fromID"], edge["toID"]) for edge in document["AIF"]["edges"]}


def relation_triples(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """(source text, RA/CA, target text) for each RA/CA node, read from the edges."""
    text = {node["nodeID"]: node["text"] for node in nodes_of(document, "I")}
    edges = arcs(document)
    triples = set()
    for node in document["AIF"]["nodes"]:
        if node["type"] in {"RA", "CA"}:
            sources = [a for a, b in edges if b == node["nodeID"]]
            targets = [b for a, b in edges if a == node["nodeID"]]
            assert len(sources) == len(targets) == 1
            triples.add((text[sources[0]], node["type"], text[targets[0]]))
    return triples


def snapshot(session: Session) -> dict[str, Any]:
    """Row counts, plus which claim each tag is evidence for: what an import may change."""
    session.expire_all()
    state: dict[str, Any] = dict(count_rows(session, AIF_TABLES))
    state["evidence"] = sorted(session.exec(select(Annotation.id, Annotation.claim_id)).all())
    return state


def stances_of(session: Session) -> set[tuple[str, str, str]]:
    """(claim text, position, stance) for every stance."""
    rows = session.exec(
        select(Claim.text, ClaimStance.position_key, ClaimStance.stance).join(
            ClaimStance, col(ClaimStance.claim_id) == col(Claim.id)
        )
    )
    return {(text, position, str(stance)) for text, position, stance in rows}


def relations_of(session: Session) -> set[tuple[str, str, str]]:
    """(source text, kind, target text) for every relation."""
    claims = {claim.id: claim.text for claim in session.exec(select(Claim))}
    return {
        (claims[r.source_id], str(r.kind), claims[r.target_id])
        for r in session.exec(select(Relation))
    }


def positions_and_topics(session: Session) -> None:
    """What the small map refers to, made here with names of this instance's own."""
    for key in ("russia", "ukraine", "europe"):
        make_position(session, key, name=f"{key} (here)")
    for key in ("nato", "ceasefire"):
        make_topic(session, key)


def to_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode("utf-8")


# --- export --------------------------------------------------------------------------------


def test_claims_become_I_nodes_with_the_claim_id_and_text(
    exported: dict[str, Any], small_map: SmallMap
) -> None:
    claims = [small_map.nato, small_map.ceasefire, small_map.nuclear]

    assert nodes_of(exported, "I") == [
        {"nodeID": claim.id, "text": claim.text, "type": "I"} for claim in claims
    ]


def test_every_node_id_is_a_unique_string_and_every_edge_joins_two_nodes(
    exported: dict[str, Any],
) -> None:
    ids = [node["nodeID"] for node in exported["AIF"]["nodes"]]

    assert all(isinstance(node_id, str) for node_id in ids)
    assert len(ids) == len(set(ids))
    assert Counter(node["type"] for node in exported["AIF"]["nodes"]) == {
        "I": 3,
        "L": 3,
        "YA": 3,
        "RA": 1,
        "CA": 1,
    }
    assert len(exported["AIF"]["edges"]) == 3 * 2 + 2 * 2
    for edge in exported["AIF"]["edges"]:
        assert {edge["fromID"], edge["toID"]} <= set(ids)


def test_evidence_becomes_an_L_node_quoting_exactly_anchored_by_a_YA_node(
    seeded_session: Session, exported: dict[str, Any], small_map: SmallMap
) -> None:
    edges = arcs(exported)
    kinds = {node["nodeID"]: node for node in exported["AIF"]["nodes"]}

    for tag in small_map.tags:
        passage = seeded_session.get_one(Passage, tag.passage_id)
        locution = kinds[f"L-{tag.id}"]
        illocution = kinds[f"YA-{tag.id}"]
        # A span is quoted exactly; a whole-passage tag quotes the whole passage.
        assert locution["text"] == (tag.quote if tag.start is not None else passage.text)
        assert locution["type"] == "L"
        assert illocution["text"] == "Default Illocuting"
        assert (locution["nodeID"], illocution["nodeID"]) in edges
        assert (illocution["nodeID"], tag.claim_id) in edges


def test_orphaned_evidence_has_no_L_node_but_its_claim_stays(
    seeded_session: Session, small_map: SmallMap
) -> None:
    # Cut the paragraph that the first and third tags are in.
    first, wrapped, third = small_map.tags
    passage = seeded_session.get_one(Passage, first.passage_id)
    assert third.passage_id == passage.id != wrapped.passage_id
    text = seeded_session.get_one(Document, passage.document_id).original_text
    report = replace_document_text(
        seeded_session, passage.document_id, text[: passage.start] + text[passage.end :]
    )
    assert sorted(report.orphaned_ids) == sorted([first.id, third.id])

    exported = export_aif(seeded_session)

    ids = {node["nodeID"] for node in exported["AIF"]["nodes"]}
    for orphan in (first, third):
        assert f"L-{orphan.id}" not in ids and f"YA-{orphan.id}" not in ids
        assert f"L-{orphan.id}" not in exported["argmap"]["evidence"]
    assert f"L-{wrapped.id}" in ids
    assert {small_map.nato.id, small_map.ceasefire.id} <= ids
    assert [locution["nodeID"] for locution in exported["AIF"]["locutions"]] == [f"L-{wrapped.id}"]
    for edge in exported["AIF"]["edges"]:
        assert {edge["fromID"], edge["toID"]} <= ids


def test_supports_become_RA_and_attacks_CA_nodes_between_the_right_claims(
    exported: dict[str, Any], small_map: SmallMap
) -> None:
    ra = nodes_of(exported, "RA")
    ca = nodes_of(exported, "CA")

    assert [(n["nodeID"], n["text"]) for n in ra] == [
        (f"RA-{small_map.supports.id}", "Default Inference")
    ]
    assert [(n["nodeID"], n["text"]) for n in ca] == [
        (f"CA-{small_map.attacks.id}", "Default Conflict")
    ]
    assert {
        (small_map.nuclear.id, ra[0]["nodeID"]),
        (ra[0]["nodeID"], small_map.nato.id),
        (small_map.ceasefire.id, ca[0]["nodeID"]),
        (ca[0]["nodeID"], small_map.nato.id),
    } <= arcs(exported)


def test_locutions_name_the_analyst_the_time_and_the_place_in_the_document(
    seeded_session: Session, exported: dict[str, Any], small_map: SmallMap
) -> None:
    participants = {p["participantID"]: p for p in exported["AIF"]["participants"]}
    locutions = {loc["nodeID"]: loc for loc in exported["AIF"]["locutions"]}

    # One participant per analyst, the name split as OVA does it.
    assert sorted((p["firstname"], p["surname"]) for p in participants.values()) == [
        ("Ana", ""),
        ("Oksana", "Petrenko"),
    ]
    assert set(locutions) == {f"L-{tag.id}" for tag in small_map.tags}
    for tag in small_map.tags:
        locution = locutions[f"L-{tag.id}"]
        person = participants[locution["personID"]]
        assert f"{person['firstname']} {person['surname']}".strip() == tag.analyst
        assert locution["timestamp"] == tag.created_at.replace(tzinfo=UTC).isoformat().replace(
            "+00:00", "Z"
        )
        passage = seeded_session.get_one(Passage, tag.passage_id)
        original = seeded_session.get_one(Document, passage.document_id).original_text
        quoted = join_wrapped_lines(original[locution["start"] : locution["end"]])
        assert quoted == (tag.quote if tag.start is not None else passage.text)


def test_the_extension_keeps_what_aif_has_no_place_for(
    exported: dict[str, Any], small_map: SmallMap
) -> None:
    extension = exported["argmap"]

    assert (extension["format"], extension["version"]) == ("argmap-aif", 1)
    assert {p["key"] for p in extension["positions"]} == {"russia", "ukraine", "us", "europe"}
    nato = extension["claims"][small_map.nato.id]
    assert nato["topic_key"] == "nato"
    assert nato["note"] == "The Kremlin's first condition."
    assert nato["stances"] == [
        {"position_key": "russia", "stance": "holds"},
        {"position_key": "ukraine", "stance": "rejects"},
    ]
    assert extension["claims"][small_map.ceasefire.id]["analyst"] == "Bea"
    supports = extension["relations"][f"RA-{small_map.supports.id}"]
    assert (supports["id"], supports["note"]) == (small_map.supports.id, "as argued in Helsinki")
    assert {
        node_id: record["annotation_id"] for node_id, record in extension["evidence"].items()
    } == {f"L-{tag.id}": tag.id for tag in small_map.tags}


def test_the_export_is_stable_and_serialisable(
    seeded_session: Session, exported: dict[str, Any]
) -> None:
    again = export_aif(seeded_session)

    assert json.dumps(again, ensure_ascii=False) == json.dumps(exported, ensure_ascii=False)


def test_a_document_filter_keeps_the_claims_argued_there_and_their_relations(
    seeded_session: Session, small_map: SmallMap
) -> None:
    second = export_aif(seeded_session, ExportFilters(document=small_map.documents[1]))

    assert [n["nodeID"] for n in nodes_of(second, "I")] == [small_map.nato.id]
    assert [n["nodeID"] for n in nodes_of(second, "L")] == [f"L-{small_map.tags[1].id}"]
    # Both relations have a claim outside the document.
    assert nodes_of(second, "RA") == nodes_of(second, "CA") == []
    first = export_aif(seeded_session, ExportFilters(document=small_map.documents[0]))
    assert relation_triples(first) == {
        (small_map.ceasefire.text, "CA", small_map.nato.text),
    }


def test_a_position_filter_keeps_the_claims_it_holds_even_without_evidence(
    seeded_session: Session, small_map: SmallMap
) -> None:
    russian = export_aif(seeded_session, ExportFilters(position="russia"))

    assert {n["nodeID"] for n in nodes_of(russian, "I")} == {
        small_map.nato.id,
        small_map.nuclear.id,
    }
    # Only the evidence tagged with the position.
    assert [n["nodeID"] for n in nodes_of(russian, "L")] == [f"L-{small_map.tags[0].id}"]
    assert relation_triples(russian) == {(small_map.nuclear.text, "RA", small_map.nato.text)}
    assert russian["argmap"]["filters"]["position"] == "russia"


# --- round trip ----------------------------------------------------------------------------


def test_an_export_imported_into_an_empty_database_gives_back_the_claims_and_relations(
    seeded_session: Session, exported: dict[str, Any], session: Session
) -> None:
    positions_and_topics(session)

    report = import_aif(session, to_bytes(exported), "Importer")

    assert report.created == {
        "positions": 1,  # "us", which no claim needs, comes from the extension
        "topics": 7,
        "claims": 3,
        "stances": 4,
        "relations": 2,
        "evidence_links": 0,
    }
    assert report.reused["positions"] == 3
    assert report.warnings == []
    assert "not recreated from L-nodes" in str(report)
    assert stances_of(session) == stances_of(seeded_session)
    assert relations_of(session) == relations_of(seeded_session)
    # Same ids, topics, notes, analysts and times: the extension lost nothing.
    again = export_aif(session)
    for section in ("claims", "relations"):
        assert again["argmap"][section] == exported["argmap"][section]
    assert nodes_of(again, "I") == nodes_of(exported, "I")
    assert relation_triples(again) == relation_triples(exported)
    # Stored positions keep their local names.
    assert session.get_one(Position, "russia").name == "russia (here)"


def test_an_import_creates_the_positions_and_topics_its_extension_defines(
    exported: dict[str, Any], session: Session
) -> None:
    report = import_aif(session, to_bytes(exported), "Importer")

    assert (report.created["positions"], report.created["topics"]) == (4, 9)
    assert session.get_one(Position, "russia").name == "Russian"
    assert session.get_one(Claim, exported["AIF"]["nodes"][0]["nodeID"]).topic_key == "nato"


def test_a_second_import_creates_nothing(exported: dict[str, Any], session: Session) -> None:
    import_aif(session, to_bytes(exported), "Importer")
    before = snapshot(session)

    report = import_aif(session, to_bytes(exported), "Importer")

    assert sum(report.created.values()) == 0
    assert report.reused["claims"] == 3
    assert report.reused["relations"] == 2
    assert report.reused["stances"] == 4
    assert snapshot(session) == before


def test_an_import_into_the_source_database_finds_every_claim_and_tag(
    seeded_session: Session, exported: dict[str, Any]
) -> None:
    before = snapshot(seeded_session)

    report = import_aif(seeded_session, to_bytes(exported), "Importer")

    assert sum(report.created.values()) == 0
    assert report.reused["evidence_links"] == 3
    assert snapshot(seeded_session) == before


def test_tags_named_by_the_extension_are_linked_to_their_claims_again(
    seeded_session: Session, exported: dict[str, Any], small_map: SmallMap
) -> None:
    tag = small_map.tags[1]
    tag.claim_id = None
    seeded_session.add(tag)
    seeded_session.commit()

    report = import_aif(seeded_session, to_bytes(exported), "Importer")

    assert report.created["evidence_links"] == 1
    seeded_session.refresh(tag)
    assert tag.claim_id == small_map.nato.id


def test_claims_with_the_same_text_up_to_case_and_spaces_are_reused(
    exported: dict[str, Any], session: Session
) -> None:
    positions_and_topics(session)
    local = make_claim(session, "  ukraine WILL not\n join   nato ")

    report = import_aif(session, to_bytes(exported), "Importer")

    assert (report.created["claims"], report.reused["claims"]) == (2, 1)
    assert session.exec(select(func.count()).select_from(Claim)).one() == 3
    assert (
        "Russia cannot be defeated because it is a nuclear power",
        "supports",
        local.text,
    ) in relations_of(session)
    # The local claim keeps its topic (none); the file's differs, and the report says so.
    assert session.get_one(Claim, local.id).topic_key is None
    assert any("kept None" in warning for warning in report.warnings)


def test_an_I_node_whose_id_is_a_stored_claim_id_is_that_claim(session: Session) -> None:
    stored = make_claim(session, "A text edited here since")
    document = {
        "nodes": [
            {"nodeID": stored.id, "text": "The text as it was", "type": "I"},
            {"nodeID": "2", "text": "Another claim", "type": "I"},
            {"nodeID": "3", "text": "Default Inference", "type": "RA"},
        ],
        "edges": [{"fromID": "2", "toID": "3"}, {"fromID": "3", "toID": stored.id}],
    }

    report = import_aif(session, to_bytes(document), "Importer")

    assert (report.created["claims"], report.reused["claims"]) == (1, 1)
    assert relations_of(session) == {("Another claim", "supports", "A text edited here since")}


def test_text_normalisation_folds_case_and_collapses_spaces() -> None:
    assert claim_text_key("  Straße\tIS\n\n closed ") == claim_text_key("strasse is closed")


# --- other tools' files --------------------------------------------------------------------


def test_the_xaif_documentation_example_imports_with_its_dangling_speaker_reported(
    session: Session,
) -> None:
    report = import_aif(session, XAIF_SAMPLE.read_bytes(), "Importer")

    claims = {claim.text: claim for claim in session.exec(select(Claim))}
    assert set(claims) == {
        "disagreements between party members are entirely to be expected.",
        "the SNP has disagreements.",
        "it's not uncommon for there to be disagreements between party members.",
    }
    assert {claim.analyst for claim in claims.values()} == {"Importer"}
    # Node ids of another tool ("3") are not taken as claim ids.
    assert all(len(claim_id) == 36 for claim_id in (c.id for c in claims.values()))
    assert relations_of(session) == {
        (
            "disagreements between party members are entirely to be expected.",
            "supports",
            "it's not uncommon for there to be disagreements between party members.",
        )
    }
    assert report.warnings == [
        "AIF.locutions[2].personID: no participant with id 2; imported anyway (locutions and "
        "participants are not stored here)"
    ]
    assert (report.skipped["locution_nodes"], report.skipped["illocution_nodes"]) == (3, 3)
    assert "1 warning" in str(report)


def test_a_bare_aif_object_with_string_ids_and_every_kind_of_node(session: Session) -> None:
    i_nodes = {
        "a": "Sanctions hurt Russia",
        "b": "Russia will negotiate",
        "c": "The war will end soon",
        "d": "Russia is not hurt",
        "e": "sanctions  HURT russia",  # the same claim as "a"
    }
    nodes = [{"nodeID": k, "text": v, "type": "I"} for k, v in i_nodes.items()]
    nodes += [
        {"nodeID": "ra1", "text": "Default Inference", "type": "RA"},  # a, d → b: two premises
        {"nodeID": "ra2", "text": "Argument From Consequences", "type": "RA"},  # b → c
        {"nodeID": "ca1", "text": "Default Conflict", "type": "CA"},  # d ⟂ a
        {"nodeID": "ca2", "text": "Default Conflict", "type": "CA"},  # c ⟂ ra2: an undercut
        {"nodeID": "ra3", "text": "Default Inference", "type": "RA"},  # e → a: itself
        {"nodeID": "ma1", "text": "Default Rephrase", "type": "MA"},
        {"nodeID": "ta1", "text": "Default Transition", "type": "TA"},
        {"nodeID": "pa1", "text": "Default Preference", "type": "PA"},
    ]
    edges = [
        ("a", "ra1"),
        ("d", "ra1"),
        ("ra1", "b"),
        ("b", "ra2"),
        ("ra2", "c"),
        ("d", "ca1"),
        ("ca1", "a"),
        ("c", "ca2"),
        ("ca2", "ra2"),
        ("e", "ra3"),
        ("ra3", "a"),
        ("a", "ma1"),
        ("ma1", "d"),
    ]
    document = {"nodes": nodes, "edges": [{"fromID": f, "toID": t} for f, t in edges]}

    report = import_aif(session, to_bytes(document), "Importer")

    assert relations_of(session) == {
        ("Sanctions hurt Russia", "supports", "Russia will negotiate"),
        ("Russia is not hurt", "supports", "Russia will negotiate"),
        ("Russia will negotiate", "supports", "The war will end soon"),
        ("Russia is not hurt", "attacks", "Sanctions hurt Russia"),
    }
    assert (report.created["claims"], report.reused["claims"]) == (4, 1)
    assert report.skipped == {
        "locution_nodes": 0,
        "illocution_nodes": 0,
        "transition_nodes": 1,
        "rephrase_nodes": 1,
        "other_nodes": 1,
        "unlinked_relation_nodes": 1,
        "self_relations": 1,
    }
    assert any(
        w.startswith("nodes[8]: the CA-node ca2 links 1 I-node(s) to 0") for w in report.warnings
    )
    assert any(w.startswith("nodes[9]: the RA-node ra3 relates claim") for w in report.warnings)


def test_integer_and_string_ids_may_be_mixed(session: Session) -> None:
    document = {
        "AIF": {
            "nodes": [
                {"nodeID": 1, "text": "One", "type": "I"},
                {"nodeID": "2", "text": "Two", "type": "I"},
                {"nodeID": 3, "text": "Default Conflict", "type": "CA"},
            ],
            "edges": [{"fromID": "1", "toID": 3}, {"fromID": "3", "toID": 2}],
        },
        "text": "",
        "OVA": {},
    }

    import_aif(session, to_bytes(document), "Importer")

    assert relations_of(session) == {("One", "attacks", "Two")}


def test_a_stored_relation_and_stance_win_over_the_file_and_the_report_says_so(
    exported: dict[str, Any], session: Session, small_map: SmallMap
) -> None:
    positions_and_topics(session)
    nuclear = make_claim(session, small_map.nuclear.text, stances={"russia": "rejects"})
    nato = make_claim(session, small_map.nato.text, topic_key="nato")
    make_relation(session, nuclear, nato, "attacks")

    report = import_aif(session, to_bytes(exported), "Importer")

    assert (nuclear.text, "attacks", nato.text) in relations_of(session)
    assert (nuclear.text, "russia", "rejects") in stances_of(session)
    assert any("kept attacks" in warning for warning in report.warnings)
    assert any("kept rejects" in warning for warning in report.warnings)


# --- refusals ------------------------------------------------------------------------------


def xaif() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(XAIF_SAMPLE.read_text(encoding="utf-8"))
    return loaded


def changed(change: Any) -> bytes:
    """The xaif sample with `change` applied to it."""
    document = xaif()
    change(document)
    return to_bytes(document)


def with_extension(exported: dict[str, Any], change: Any) -> bytes:
    document = copy.deepcopy(exported)
    change(document)
    return to_bytes(document)


REFUSED = [
    pytest.param(b"{not json", "not JSON: Expecting property name", id="not-json"),
    pytest.param(b"\xff\xfe", "not UTF-8 text", id="not-utf8"),
    pytest.param(b"[1, 2]", "the top level: must be a JSON object", id="top-level-list"),
    pytest.param(b"{}", "nodes: missing (an AIF map lists its nodes)", id="no-nodes-bare"),
    pytest.param(
        changed(lambda d: d["AIF"].pop("nodes")), "AIF.nodes: missing", id="no-nodes-wrapped"
    ),
    pytest.param(b'{"AIF": []}', "AIF: must be an object", id="aif-not-an-object"),
    pytest.param(
        changed(lambda d: d["AIF"]["edges"][4].update(toID=17)),
        "AIF.edges[4].toID: no node with id 17",
        id="edge-to-missing-node",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["edges"][4].update(toID="7" * 1_000_000)),
        f"AIF.edges[4].toID: no node with id {'7' * 40}… (1,000,000 characters)",
        id="edge-to-a-huge-id",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["edges"][0].pop("fromID")),
        "AIF.edges[0].fromID: missing",
        id="edge-without-end",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][3].pop("text")),
        "AIF.nodes[3].text: missing",
        id="node-without-text",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][3].update(text="  \n ")),
        "AIF.nodes[3].text: an I-node needs text",
        id="blank-claim",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][3].update(text="x" * 2001)),
        "AIF.nodes[3].text: 2001 characters, more than a claim's 2000",
        id="claim-too-long",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][1].update(text=5)),
        "AIF.nodes[1].text: must be a string, not 5",
        id="text-a-number",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][0].update(nodeID=True)),
        "AIF.nodes[0].nodeID: must be a number or a string, not true",
        id="id-a-boolean",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][0].update(nodeID=1.5)),
        "AIF.nodes[0].nodeID: must be a number or a string, not 1.5",
        id="id-a-fraction",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][5].update(nodeID="3")),
        "AIF.nodes[5].nodeID: 3 appears twice (also at AIF.nodes[3])",
        id="duplicate-id",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][2].pop("type")),
        "AIF.nodes[2].type: missing",
        id="node-without-type",
    ),
    pytest.param(
        changed(lambda d: d["AIF"].update(nodes={"0": {}})),
        "AIF.nodes: must be a list",
        id="nodes-an-object",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["edges"].append("0-4")),
        'AIF.edges[8]: must be an object, not "0-4"',
        id="edge-a-string",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["locutions"][0].update(personID=[0])),
        "AIF.locutions[0].personID: must be a number or a string, not [0]",
        id="person-a-list",
    ),
    pytest.param(
        changed(lambda d: d["AIF"]["nodes"][3].update(text="\ud800")),
        "AIF.nodes[3].text: not valid Unicode",
        id="lone-surrogate",
    ),
]


@pytest.mark.parametrize(("raw", "message"), REFUSED)
def test_a_malformed_file_is_refused_with_its_path_and_changes_nothing(
    session: Session, raw: bytes, message: str
) -> None:
    import_aif(session, XAIF_SAMPLE.read_bytes(), "Importer")  # something to keep
    before = snapshot(session)

    with pytest.raises(InvalidInput) as raised:
        import_aif(session, raw, "Importer")

    assert raised.value.message.startswith(message)
    assert len(raised.value.message) < 200  # a quoted value is cut short, whatever its size
    assert snapshot(session) == before


def test_an_extension_naming_an_unknown_position_is_refused(
    exported: dict[str, Any], session: Session, small_map: SmallMap
) -> None:
    positions_and_topics(session)
    before = snapshot(session)

    def unknown_position(document: dict[str, Any]) -> None:
        document["argmap"]["positions"] = []
        document["argmap"]["claims"][small_map.nuclear.id]["stances"][0]["position_key"] = "nato"

    with pytest.raises(InvalidInput) as raised:
        import_aif(session, with_extension(exported, unknown_position), "Importer")

    assert raised.value.message == (
        f"argmap.claims.{small_map.nuclear.id}.stances[0].position_key: there is no position "
        "'nato' in the file or in this database"
    )
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda d: d["argmap"].update(version=2),
            "argmap.version: Input should be 1",
            id="version",
        ),
        pytest.param(
            lambda d: d["argmap"]["claims"][d["AIF"]["nodes"][0]["nodeID"]]["stances"][0].update(
                stance="maybe"
            ),
            "stances[0].stance: Input should be 'holds' or 'rejects'",
            id="stance",
        ),
        pytest.param(
            lambda d: d["argmap"]["claims"].update({d["AIF"]["nodes"][3]["nodeID"]: {}}),
            "-node with this id in the nodes",
            id="claim-not-an-I-node",
        ),
        pytest.param(
            lambda d: d["argmap"]["claims"][d["AIF"]["nodes"][0]["nodeID"]].update(
                created_at="2025-08-15T10:00:00"
            ),
            "created_at: Input should have timezone info",
            id="naive-time",
        ),
        pytest.param(
            lambda d: d["argmap"]["positions"].append(d["argmap"]["positions"][0]),
            "argmap.positions[4].key: 'russia' appears twice",
            id="duplicate-position",
        ),
    ],
)
def test_a_malformed_extension_is_refused(
    exported: dict[str, Any], session: Session, change: Any, message: str
) -> None:
    before = snapshot(session)

    with pytest.raises(InvalidInput) as raised:
        import_aif(session, with_extension(exported, change), "Importer")

    assert message in raised.value.message
    assert raised.value.message.startswith("argmap.")
    assert snapshot(session) == before


def test_a_failure_while_writing_rolls_everything_back(
    exported: dict[str, Any], session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = aif_load._write

    def write_then_fail(session: Session, plan: Any) -> None:
        original(session, plan)  # every row is flushed by now
        raise RuntimeError("disk full")

    monkeypatch.setattr(aif_load, "_write", write_then_fail)

    with pytest.raises(RuntimeError):
        import_aif(session, to_bytes(exported), "Importer")

    assert snapshot(session) == {
        "positions": 0,
        "topics": 0,
        "claims": 0,
        "stances": 0,
        "relations": 0,
        "evidence": [],
    }


@pytest.mark.parametrize("analyst", ["", "   ", "x" * 81])
def test_an_import_needs_an_analyst_name(session: Session, analyst: str) -> None:
    with pytest.raises(InvalidInput, match="an analyst name"):
        import_aif(session, XAIF_SAMPLE.read_bytes(), analyst)
