"""The codebook as a REFI-QDA codebook (.qdc, namespace urn:QDA-XML:codebook:1.0), the format
qualitative-analysis programs (ATLAS.ti, MAXQDA, NVivo, QualCoder, Taguette) exchange codes in.

Export: a parent code per family ("Positions", "Kinds", "Topics", "Actor types"; not codable),
each holding its codes. A code's description is its definition followed by its rules and its
key, each a paragraph of its own ("Include: …", "Exclude: …", "Key: …"), which `read_qdc`
splits again. GUIDs are stable: the entry's own, or one derived from the code's name.

Import: codes under a parent named after one of our families belong to that family; every
other code (a flat codebook, or codes under another parent) becomes a topic. Uploaded files
are parsed with defusedxml: no entity expansion, no external resources.
"""

import re
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from app.models import CodeFamily
from app.services.codebook import (
    FAMILY_NAMES,
    Code,
    ImportedCode,
    family_guid,
)
from app.services.errors import InvalidInput

NAMESPACE = "urn:QDA-XML:codebook:1.0"
SCHEMA_LOCATION = "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MEDIA_TYPE = "application/xml"
ORIGIN = "argmap"
RULES = (("include", "Include: "), ("exclude", "Exclude: "), ("key", "Key: "))
_FAMILIES_BY_NAME = {name.casefold(): family for family, name in FAMILY_NAMES.items()}
_SHORT_COLOUR = re.compile(r"#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def description_of(code: Code) -> str:
    """A code's definition, then its rules and key, each a paragraph of its own."""
    values = {"include": code.include, "exclude": code.exclude, "key": code.key}
    paragraphs = [code.definition] if code.definition else []
    paragraphs += [f"{label}{values[name]}" for name, label in RULES if values[name]]
    return "\n\n".join(paragraphs)


def split_description(text: str) -> dict[str, str]:
    """The definition and the rules (and key) a description written by `description_of`
    holds; a description without them is all definition."""
    found: dict[str, str] = {}
    rest = text.strip()
    for name, label in reversed(RULES):
        start = rest.rfind("\n\n" + label)
        if start >= 0:
            found[name] = rest[start + 2 + len(label) :].strip()
            rest = rest[:start].rstrip()
        elif rest.startswith(label):
            found[name] = rest[len(label) :].strip()
            rest = ""
    found["definition"] = rest
    return found


def write_qdc(codes: list[Code]) -> bytes:
    """The codebook as a .qdc file (UTF-8 XML)."""
    ElementTree.register_namespace("", NAMESPACE)
    ElementTree.register_namespace("xsi", XSI)
    root = ElementTree.Element(
        _tag("CodeBook"),
        {"origin": ORIGIN, f"{{{XSI}}}schemaLocation": f"{NAMESPACE} {SCHEMA_LOCATION}"},
    )
    codes_element = ElementTree.SubElement(root, _tag("Codes"))
    for family, family_name in FAMILY_NAMES.items():
        parent = ElementTree.SubElement(
            codes_element,
            _tag("Code"),
            {"guid": family_guid(family), "name": family_name, "isCodable": "false"},
        )
        for code in codes:
            if code.family is not family:
                continue
            attributes = {"guid": code.guid, "name": code.name, "isCodable": "true"}
            if code.colour:
                attributes["color"] = code.colour
            element = ElementTree.SubElement(parent, _tag("Code"), attributes)
            ElementTree.SubElement(element, _tag("Description")).text = description_of(code)
    ElementTree.indent(root)
    body: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def read_qdc(data: bytes) -> list[ImportedCode]:
    """The codes of a .qdc file; InvalidInput, in a sentence, for a file that is not one."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"The codebook is not UTF-8 text (byte {error.start} is not UTF-8); nothing was "
            "imported."
        ) from None
    try:
        root = fromstring(data, forbid_dtd=True)
    except ElementTree.ParseError as error:
        raise InvalidInput(
            f"The codebook is not well-formed XML ({error}); nothing was imported."
        ) from None
    except DefusedXmlException:
        raise InvalidInput(
            "The codebook declares a DTD or entities, which a codebook never needs; nothing was "
            "imported."
        ) from None
    if root.tag != _tag("CodeBook"):
        raise InvalidInput(
            f"The file is not a REFI-QDA codebook: its root element is {root.tag!r}, not "
            f"CodeBook in the namespace {NAMESPACE}; nothing was imported."
        )
    codes_element = root.find(_tag("Codes"))
    if codes_element is None:
        raise InvalidInput("The codebook has no Codes element; nothing was imported.")
    found: list[ImportedCode] = []
    for element in codes_element.findall(_tag("Code")):
        family = _FAMILIES_BY_NAME.get(element.get("name", "").strip().casefold())
        if family is not None and element.get("isCodable") != "true":
            for child in element.iter(_tag("Code")):
                if child is not element:
                    found.append(_imported(child, family))
        else:
            found.extend(_imported(child, None) for child in element.iter(_tag("Code")))
    return found


def _imported(element: ElementTree.Element, family: CodeFamily | None) -> ImportedCode:
    name = (element.get("name") or "").strip()
    if not name:
        raise InvalidInput("A code of the codebook has no name; nothing was imported.")
    description = element.findtext(_tag("Description")) or ""
    parts = split_description(description)
    return ImportedCode(
        name=name,
        family=family,
        key=parts.get("key") or None,
        guid=(element.get("guid") or "").strip().strip("{}") or None,
        colour=_colour(element.get("color")),
        definition=parts["definition"],
        include=parts.get("include", ""),
        exclude=parts.get("exclude", ""),
    )


def _colour(value: str | None) -> str | None:
    """A colour as #rrggbb (the schema also allows #rgb); None if there is none or it is not
    a colour."""
    if not value:
        return None
    value = value.strip()
    short = _SHORT_COLOUR.fullmatch(value)
    if short:
        return "#" + "".join(digit * 2 for digit in short.groups())
    return value if _COLOUR.fullmatch(value) else None
