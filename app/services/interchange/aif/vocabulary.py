"""The AIF vocabulary this app writes and reads, and the limits of what it takes in."""

from typing import Any

from app.models import (
    RelationKind,
)

EXTENSION_KEY = "argmap"
EXTENSION_FORMAT = "argmap-aif"
EXTENSION_VERSION = 1
ILLOCUTION = "Default Illocuting"
SCHEME_TEXT = {RelationKind.supports: "Default Inference", RelationKind.attacks: "Default Conflict"}
NODE_TYPE = {RelationKind.supports: "RA", RelationKind.attacks: "CA"}
RELATION_KIND = {"RA": RelationKind.supports, "CA": RelationKind.attacks}
# The limits of the claims API (ClaimCreate) and of the tables.
MAX_CLAIM_TEXT = 2000
MAX_ID_LENGTH = 64
MAX_ANALYST_LENGTH = 80
# Ids per `IN (…)` query: well under SQLite's limit on bound parameters.
# A file with thousands of dangling locutions should not give a report of megabytes.
MAX_WARNINGS = 100

ENTITIES = ("positions", "topics", "claims", "stances", "relations", "evidence_links")
# Why a node or a relation was not imported, with the phrase the report's message uses.
SKIPPED = {
    "locution_nodes": "L-nodes (locutions)",
    "illocution_nodes": "YA-nodes (illocutions)",
    "transition_nodes": "TA-nodes (transitions)",
    "rephrase_nodes": "MA-nodes (rephrases)",
    "other_nodes": "nodes of other types",
    "unlinked_relation_nodes": "RA/CA-nodes that do not link one or more I-nodes to one I-node",
    "self_relations": "relations of a claim to itself",
}
SKIPPED_NODE_TYPES = {
    "L": "locution_nodes",
    "YA": "illocution_nodes",
    "TA": "transition_nodes",
    "MA": "rephrase_nodes",
}

Record = dict[str, Any]
