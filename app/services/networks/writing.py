"""What every network file shares: node ids, numbers written the same way, XML-safe text."""

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from app.services.networks.model import Network, Node

# XML 1.0 allows tab, line feed, carriage return and most of Unicode, but no other C0 control
# character, no lone surrogate and not U+FFFE/U+FFFF: the tree writer escapes markup but would
# copy these through and make a file no reader accepts.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
REPLACEMENT = "\ufffd"


def xml_text(value: str) -> str:
    """`value` with the characters XML 1.0 cannot carry replaced by U+FFFD."""
    return NOT_XML.sub(REPLACEMENT, value)


def number_text(value: float) -> str:
    """A weight as text: whole numbers without a decimal point, others to full precision."""
    if value == int(value):
        return str(int(value))
    return repr(value)


def all_nodes(networks: Sequence[Network]) -> list[Node]:
    """Every node of the networks once (its first appearance), actors then concepts, by label."""
    found: dict[str, Node] = {}
    for network in networks:
        for node in network.nodes:
            found.setdefault(node.id, node)
    return sorted(found.values(), key=lambda node: (node.kind.value, node.label))


def file_ids(nodes: Sequence[Node]) -> dict[str, str]:
    """Node ids for files: n0, n1, … in the given order. Labels are any text, but GraphML ids
    are XML name tokens (no spaces), so the label goes in an attribute of its own."""
    return {node.id: f"n{index}" for index, node in enumerate(nodes)}


def xml_bytes(root: ET.Element) -> bytes:
    """The document as indented UTF-8 with an XML declaration."""
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
