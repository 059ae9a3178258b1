"""A discourse network as the API answers it: JSON for scripts, files for analysts' tools."""

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from app.presenters.file_names import filter_parts
from app.presenters.mapviews import layer_label
from app.services import actors, catalog, mapviews
from app.services.blinding import Layer
from app.services.documents import passage_citation
from app.services.network_ties import TaggedPassage, TieEvidence
from app.services.networks import (
    Duplicates,
    Mode,
    Network,
    NetworkKind,
    NetworkSpec,
    Statement,
    TwoModeWeight,
    compute_network,
    compute_windowed_networks,
    edges_csv,
    network_gexf,
    network_graphml,
    nodes_csv,
    timeline_edges_csv,
    timeline_gexf,
    timeline_nodes_csv,
)
from app.services.networks.model import ONE_MODE_NORMALIZATIONS, TWO_MODE_NORMALIZATIONS
from app.services.networks.ties import other_kind
from app.services.statements import ConceptLevel, StatementFilters, StatementSet, read_statements


def _networks(
    statements: StatementSet,
    spec: NetworkSpec,
    window_days: int | None,
    step_days: int,
    start: date | None,
    end: date | None,
) -> list[Network]:
    if window_days is None:
        return [compute_network(statements.statements, spec)]
    return compute_windowed_networks(
        statements.statements,
        spec,
        window_days=window_days,
        step_days=step_days,
        start=start,
        end=end,
    )


def _network_json(network: Network) -> dict[str, Any]:
    # The records have the fields of Window, Node and Edge in their order (what
    # `dataclasses.asdict` gives, which is many times slower for large networks).
    window = network.window
    return {
        "description": network.description,
        "window": None
        if window is None
        else {
            "start": window.start.isoformat(),
            "middle": window.middle.isoformat(),
            "end": window.end.isoformat(),
        },
        "nodes": [
            {"id": node.id, "label": node.label, "kind": node.kind, "statements": node.statements}
            for node in network.nodes
        ],
        "edges": [
            {"source": edge.source, "target": edge.target, "weight": edge.weight, "sign": edge.sign}
            for edge in network.edges
        ],
    }


def network_as_json(
    session: Session,
    spec: NetworkSpec,
    filters: StatementFilters,
    *,
    window_days: int | None,
    step_days: int,
    start: date | None,
    end: date | None,
) -> dict[str, Any]:
    """The network (or the windows' networks), the choices it was made with, how many
    statements it rests on, and how many tags made none, by reason."""
    statements = read_statements(session, filters)
    networks = _networks(statements, spec, window_days, step_days, start, end)
    left_out = statements.left_out.copy()
    if window_days is not None:
        # No window holds an undated statement: say how many the windows leave out.
        undated = sum(1 for statement in statements.statements if statement.date is None)
        left_out["no date"] += undated
    return {
        "kind": spec.kind.value,
        "mode": spec.mode.value,
        "normalization": spec.normalization.value,
        "duplicates": spec.duplicates.value,
        "concepts": filters.concepts.value,
        "statements": len(statements.statements),
        "left_out": {reason: count for reason, count in sorted(left_out.items()) if count},
        "windowed": window_days is not None,
        "networks": [_network_json(network) for network in networks],
    }


def network_file(
    session: Session,
    spec: NetworkSpec,
    filters: StatementFilters,
    file_format: str,
    *,
    window_days: int | None,
    step_days: int,
    start: date | None,
    end: date | None,
) -> tuple[bytes, str]:
    """The network as a file in `file_format` (graphml, gexf, nodes.csv, edges.csv), and a
    file name saying what it holds: the network, its filters, the day it was made."""
    statements = read_statements(session, filters)
    networks = _networks(statements, spec, window_days, step_days, start, end)
    if window_days is None:
        network = networks[0]
        writers = {
            "graphml": network_graphml,
            "gexf": network_gexf,
            "nodes.csv": nodes_csv,
            "edges.csv": edges_csv,
        }
        content = writers[file_format](network)
    else:
        timeline_writers = {
            "gexf": timeline_gexf,
            "nodes.csv": timeline_nodes_csv,
            "edges.csv": timeline_edges_csv,
        }
        if file_format == "graphml":
            # GraphML has no time: the windows' networks go out one after another as GEXF.
            file_format = "gexf"
        content = timeline_writers[file_format](networks)
    parts = ["argmap", spec.kind.value]
    if spec.kind.value != "two-mode":
        parts.append(spec.mode.value)
    if spec.normalization.value != "no":
        parts.append(spec.normalization.value)
    parts.append(filters.concepts.value)
    parts.extend(filter_parts(filters.tags.chosen()))
    if window_days is not None:
        parts.append(f"window{window_days}d-step{step_days}d")
    parts.append(datetime.now(UTC).date().isoformat())
    name = "-".join(parts)
    # ASCII only: a header carries Latin-1 at most, and a filter may hold any text.
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name)
    return content, f"{safe}.{file_format}"


# --- the network view and the statements behind a tie --------------------------------------


def network_choices(session: Session) -> dict[str, Any]:
    """What a form choosing a network offers: its kinds and settings, and the tag filters'
    documents, positions, topics and actors (the network view and the Export page)."""
    return {
        "kinds": list(NetworkKind),
        "modes": list(Mode),
        "one_mode_normalizations": ONE_MODE_NORMALIZATIONS,
        "two_mode_normalizations": TWO_MODE_NORMALIZATIONS,
        "two_mode_weights": list(TwoModeWeight),
        "duplicates": list(Duplicates),
        "concept_levels": list(ConceptLevel),
        "positions": catalog.list_positions(session),
        "topics": catalog.list_topics(session),
        "documents": mapviews.document_choices(session),
        "actors": actors.list_actors(session),
    }


def network_page_context(
    session: Session, spec: NetworkSpec, filters: StatementFilters, query: str
) -> dict[str, Any]:
    """The network view's form (the choices made and every choice offered) and the addresses
    its script fetches the network and a tie's statements from, with the same query."""
    return {
        "spec": spec,
        "filters": filters,
        **network_choices(session),
        "analysts": mapviews.analyst_choices(session, filters.tags.analyst),
        "layers": list(Layer),
        "shown_tags": layer_label(filters.tags.layer, filters.tags.analyst),
        "data_url": f"/api/networks?{query}",
        "tie_url": f"/networks/tie?{query}",
        "file_url": f"/api/networks/file?{query}",
    }


def _node_label(node: str) -> str:
    return node.partition(":")[2]


def _statement_json(statement: Statement, tags: dict[str, TaggedPassage]) -> dict[str, Any]:
    tagged = tags.get(statement.id)
    return {
        "tag": statement.id,
        "actor": statement.actor,
        "concept": statement.concept,
        "agreement": statement.agreement.value,
        "date": statement.date.isoformat() if statement.date else None,
        "document": statement.document,
        "document_label": tagged.document_label if tagged else None,
        "citation": passage_citation(tagged.document_label, tagged.passage.ordinal)
        if tagged and tagged.passage
        else None,
        "passage": statement.evidence,
        "quote": tagged.quote if tagged else None,
    }


def tie_as_json(found: TieEvidence, spec: NetworkSpec, source: str, target: str) -> dict[str, Any]:
    """The tie's statements as the JSON twin answers them."""
    return {
        "source": source,
        "target": target,
        "kind": spec.kind.value,
        "shared_total": found.total,
        "shared": [
            {
                "label": node.label,
                "agreeing_pairs": node.agreeing,
                "disagreeing_pairs": node.disagreeing,
                "source_statements": [_statement_json(s, found.tags) for s in node.first],
                "target_statements": [_statement_json(s, found.tags) for s in node.second],
            }
            for node in found.shared
        ],
    }


def tie_context(
    found: TieEvidence,
    spec: NetworkSpec,
    source: str,
    target: str,
    days: tuple[date, date] | None,
) -> dict[str, Any]:
    """The panel beside the network: both ends, and each shared node with their statements."""
    two_mode = spec.kind is NetworkKind.two_mode
    return {
        "found": found,
        "two_mode": two_mode,
        "source": _node_label(source),
        "target": _node_label(target),
        "shared_kind": None if two_mode else other_kind(spec).value,
        "days": None if days is None or date.min in days or date.max in days else days,
        "agreeing": sum(node.agreeing for node in found.shared),
        "disagreeing": sum(node.disagreeing for node in found.shared),
    }
