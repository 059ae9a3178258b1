"""The networks as values: nodes, edges, the window a network covers, and the choices made."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class NetworkKind(StrEnum):
    """Which network: DNA's two-mode network, or one of its one-mode qualifier aggregations."""

    two_mode = "two-mode"
    congruence = "congruence"
    conflict = "conflict"
    subtract = "subtract"


class Mode(StrEnum):
    """The kind of node of a one-mode network (DNA's "variable 1")."""

    actor = "actor"
    concept = "concept"


class Normalization(StrEnum):
    """DNA's normalizations: `no`, `average`, `jaccard`, `cosine` for one-mode networks,
    `no`, `activity`, `prominence` for two-mode ones."""

    no = "no"
    average = "average"
    jaccard = "jaccard"
    cosine = "cosine"
    activity = "activity"
    prominence = "prominence"


ONE_MODE_NORMALIZATIONS = (
    Normalization.no,
    Normalization.average,
    Normalization.jaccard,
    Normalization.cosine,
)
TWO_MODE_NORMALIZATIONS = (Normalization.no, Normalization.activity, Normalization.prominence)


class TwoModeWeight(StrEnum):
    """DNA's qualifier aggregation for two-mode networks: what an edge's weight counts.

    `ignore`: all the statements (holds + rejects); `subtract`: holds − rejects; `combine`:
    which stances were taken, coded 1 (holds only), 2 (rejects only) or 3 (both).
    """

    ignore = "ignore"
    subtract = "subtract"
    combine = "combine"


@dataclass(frozen=True)
class Window:
    """The days a network of a moving window covers, `start` and `end` both included.

    `middle` is the day the window is centred on, the time DNA labels its network with.
    """

    start: date
    middle: date
    end: date


@dataclass(frozen=True)
class Node:
    """An actor or a concept, with the number of statements it is in (in the network's window)."""

    id: str
    label: str
    kind: Mode
    statements: int


@dataclass(frozen=True)
class Edge:
    """An undirected tie. `sign` is holds / rejects / both (two-mode) or positive / negative
    (one-mode, from the sign of the weight)."""

    source: str
    target: str
    weight: float
    sign: str


@dataclass(frozen=True)
class Network:
    """One computed network: nodes sorted by kind then label, edges by their nodes' order."""

    kind: NetworkKind
    normalization: Normalization
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    mode: Mode | None = None
    window: Window | None = None

    @property
    def description(self) -> str:
        """A short name for the network, e.g. "congruence network of actors (jaccard)"."""
        if self.kind is NetworkKind.two_mode:
            name = "two-mode network of actors and concepts"
        else:
            name = f"{self.kind.value} network of {self.mode.value if self.mode else 'nodes'}s"
        if self.normalization is not Normalization.no:
            name += f" ({self.normalization.value})"
        return name


def node_id(kind: Mode, label: str) -> str:
    """A node's id: its kind and label, so an actor and a concept of one name stay apart."""
    return f"{kind.value}:{label}"


def node_ids(kind: Mode, labels: Iterable[str]) -> dict[str, str]:
    """Each label's `node_id`, in the labels' order, reading the kind's value once for all."""
    prefix = node_id(kind, "")
    return {label: prefix + label for label in labels}
