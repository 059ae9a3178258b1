"""A discourse network as the API answers it: JSON for scripts, files for analysts' tools."""

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from app.services.networks import (
    Network,
    NetworkSpec,
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
from app.services.statements import StatementFilters, StatementSet, read_statements


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
    window = network.window
    return {
        "description": network.description,
        "window": None
        if window is None
        else {key: value.isoformat() for key, value in asdict(window).items()},
        "nodes": [asdict(node) for node in network.nodes],
        "edges": [asdict(edge) for edge in network.edges],
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
    return {
        "kind": spec.kind.value,
        "mode": spec.mode.value,
        "normalization": spec.normalization.value,
        "duplicates": spec.duplicates.value,
        "concepts": filters.concepts.value,
        "statements": len(statements.statements),
        "left_out": dict(sorted(statements.left_out.items())),
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
    parts.extend(f"{name}-{value}" for name, value in filters.tags.chosen().items())
    if window_days is not None:
        parts.append(f"window{window_days}d-step{step_days}d")
    parts.append(datetime.now(UTC).date().isoformat())
    name = "-".join(parts)
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return content, f"{safe}.{file_format}"
