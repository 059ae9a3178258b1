"""The annotations as W3C Web Annotation JSON-LD: one AnnotationCollection, streamed.

Other annotation tools (Hypothesis, Recogito, IIIF viewers, notebooks with a W3C reader) can
load this without knowing our native format. The collection has a single embedded page:

    {"@context": "http://www.w3.org/ns/anno.jsonld", "id": …, "type": "AnnotationCollection",
     "label": …, "total": n, "first": {"type": "AnnotationPage", "items": [annotation, …]}}

How an annotation of ours maps onto the model:

- `motivation` is "classifying" for every kind. An analyst's tag classifies the passage by the
  stance it takes towards a position. "assessing" would say the analyst judges the passage,
  but supports/opposes is the *author's* stance, not the analyst's verdict, and states is no
  judgement at all. One motivation is what the model recommends; the bodies carry the details.
- `body` is a list, one body per thing the tag says, told apart by `purpose`. Things with a
  page of their own are "semantic tags" (model §4): a SpecificResource whose `source` is that
  page, `{"id": url, "label": name}` (`label` is rdfs:label in the anno.jsonld context).
  Plain values are TextualBody objects (`format` "text/plain"):
    - the position: SpecificResource, purpose "tagging", source `{base}/positions/{key}`
      labelled with its name;
    - the kind: TextualBody, purpose "classifying", value "states", "supports" or "opposes"
      (how the text relates to the position above);
    - the topic, if any: SpecificResource, purpose "tagging", source `{base}/api/topics/{key}`
      (topics have no page of their own; their JSON is what the id leads to);
    - the claim, if any: SpecificResource, purpose "linking" (the passage is evidence for it),
      source `{base}/claims/{id}` labelled with the claim's text;
    - the note, if any: TextualBody, purpose "commenting", value the note.
  A TextualBody with both an `id` and a `purpose` would be simpler, but the W3C test suite
  reads any body with an `id` and no `source` as an External Web Resource, and those MUST NOT
  have a purpose (assertion 3.3.5-bodyEWRNoPurpose).
- `target` is a SpecificResource: `source` `{base}/documents/{id}` and two selectors into the
  document's *original* text (as received, line breaks included, not the joined passage text):
  a TextPositionSelector {start, end} and a TextQuoteSelector {exact, prefix, suffix} with
  exact == original_text[start:end] and up to 32 characters of context either side. A
  whole-passage tag selects the passage's slice; a span is mapped with
  `span_to_document_offsets`. Offsets count Unicode code points, as the model requires.
- `creator` is the analyst (a Person with a name), `generator` this app (Software), `created` and
  `modified` the annotation's times. `generated` is left out on purpose: like the native
  export, the same database always gives byte-identical output.

Removed (soft-deleted) annotations are not exported, nor are orphans (annotations that lost
their place when their document's text was replaced): they have no position in the text, and
a TextQuoteSelector alone would name words the document no longer holds, which a W3C reader
would take for a target it fails to find. The native export keeps them.

Items come grouped by document (documents in the native export's order), each document's
annotations in the order they were made; that way only one document's text is held in memory
at a time.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.models import Annotation, Claim, Document, Passage, Position, Topic
from app.services.interchange.filters import ExportFilters, annotation_condition, check_filters
from app.services.interchange.writing import (
    BATCH_SIZE,
    array_lines,
    dump_json,
    format_datetime,
    stream_checked,
)
from app.services.segmentation import span_to_document_offsets

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
GENERATOR_NAME = "Argument map"
MOTIVATION = "classifying"
TEXT_FORMAT = "text/plain"
# Characters of context in a TextQuoteSelector's prefix and suffix: enough to tell apart
# repeated quotes (a pull quote repeats a sentence of the body), short enough to stay readable.
QUOTE_CONTEXT_CHARS = 32


def annotation_to_w3c(
    annotation: Annotation,
    passage: Passage,
    document: Document,
    original_text: str,
    position: Position,
    topic: Topic | None,
    claim: Claim | None,
    base_url: str,
) -> dict[str, Any]:
    """One annotation as a W3C Web Annotation (a JSON-LD dict), mapped as the module describes.

    `passage` is the annotation's passage, `document` its document and `original_text` that
    document's original text; `base_url` (no trailing slash) prefixes every id.
    """
    start, end = _document_span(annotation, passage, original_text)
    exact = original_text[start:end]
    quote_selector: dict[str, Any] = {"type": "TextQuoteSelector", "exact": exact}
    # Left out rather than empty at either end of the text: the model has no empty context.
    prefix = original_text[max(0, start - QUOTE_CONTEXT_CHARS) : start]
    if prefix:
        quote_selector["prefix"] = prefix
    suffix = original_text[end : end + QUOTE_CONTEXT_CHARS]
    if suffix:
        quote_selector["suffix"] = suffix

    body = [
        _semantic_tag("tagging", _resource_id(base_url, "positions", position.key), position.name),
        _textual_body("classifying", str(annotation.kind)),
    ]
    if topic is not None:
        body.append(
            _semantic_tag("tagging", _resource_id(base_url, "api/topics", topic.key), topic.name)
        )
    if claim is not None:
        body.append(
            _semantic_tag("linking", _resource_id(base_url, "claims", claim.id), claim.text)
        )
    if annotation.note:
        body.append(_textual_body("commenting", annotation.note))

    return {
        "@context": ANNO_CONTEXT,
        "id": _resource_id(base_url, "api/annotations", annotation.id),
        "type": "Annotation",
        "motivation": MOTIVATION,
        "creator": {"type": "Person", "name": annotation.analyst},
        "created": format_datetime(annotation.created_at),
        "modified": format_datetime(annotation.updated_at),
        "generator": _generator(base_url),
        "body": body,
        "target": {
            "type": "SpecificResource",
            "source": _resource_id(base_url, "documents", document.id),
            "selector": [
                quote_selector,
                {"type": "TextPositionSelector", "start": start, "end": end},
            ],
        },
    }


def stream_w3c(engine: Engine, filters: ExportFilters, base_url: str) -> Iterator[str]:
    """Check `filters`, then return an iterator over the AnnotationCollection's JSON text.

    As with `stream_export`: unknown filter values raise NotFound here, before any output, so a
    route can still answer 404; the iterator reads one snapshot in its own session, in batches,
    and hands on chunks of about CHUNK_SIZE characters. `base_url` has no trailing slash.
    """
    base_url = base_url.rstrip("/")
    return stream_checked(
        engine,
        lambda session: check_filters(session, filters),
        lambda session: _lines(session, filters, base_url),
    )


def collection_id(filters: ExportFilters, base_url: str) -> str:
    """The collection's id: the URL that returns it, filters included."""
    chosen = filters.chosen()
    url = f"{base_url}/api/export/w3c"
    return f"{url}?{urlencode(chosen)}" if chosen else url


def _resource_id(base_url: str, collection: str, key: str) -> str:
    """`{base_url}/{collection}/{key}`, the key escaped so that every id stays a valid URI."""
    return f"{base_url}/{collection}/{quote(key, safe='')}"


def _textual_body(purpose: str, value: str) -> dict[str, Any]:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": TEXT_FORMAT}


def _semantic_tag(purpose: str, url: str, label: str) -> dict[str, Any]:
    return {"type": "SpecificResource", "purpose": purpose, "source": {"id": url, "label": label}}


def _generator(base_url: str) -> dict[str, Any]:
    return {"id": f"{base_url}/", "type": "Software", "name": GENERATOR_NAME}


def _document_span(annotation: Annotation, passage: Passage, original_text: str) -> tuple[int, int]:
    """Where the annotation's text lies in the original text: the passage, or the mapped span."""
    if annotation.start is None or annotation.end is None:
        return passage.start, passage.end
    return span_to_document_offsets(
        passage, annotation.start, annotation.end, original_text=original_text
    )


def _label(filters: ExportFilters) -> str:
    parts = [f"{name} {value}" for name, value in filters.chosen().items()]
    label = "Annotations of the argument map"
    return f"{label} ({', '.join(parts)})" if parts else label


def _total(session: Session, filters: ExportFilters) -> int:
    query = (
        select(func.count())
        .select_from(Annotation)
        .join(Passage, col(Passage.id) == col(Annotation.passage_id))
        .where(annotation_condition(filters))
    )
    return session.exec(query).one()


def _document_ids(session: Session, filters: ExportFilters) -> list[str]:
    """The documents holding at least one exported annotation, in the native export's order."""
    annotated = (
        select(Passage.document_id)
        .join(Annotation, col(Annotation.passage_id) == col(Passage.id))
        .where(annotation_condition(filters))
    )
    query = (
        select(Document.id)
        .where(col(Document.id).in_(annotated))
        .order_by(col(Document.created_at), col(Document.id))
    )
    return list(session.exec(query))


def _items(session: Session, filters: ExportFilters, base_url: str) -> Iterator[dict[str, Any]]:
    # Positions are few; looked up here, they keep the row query to the four models it joins.
    positions = {position.key: position for position in session.exec(select(Position))}
    for document_id in _document_ids(session, filters):
        # The whole text once per document: prefixes and suffixes may reach beyond the passage.
        document = session.get_one(Document, document_id)
        original_text = document.original_text
        query = (
            select(Annotation, Passage, Topic, Claim)
            .join(Passage, col(Passage.id) == col(Annotation.passage_id))
            .outerjoin(Topic, col(Topic.key) == col(Annotation.topic_key))
            .outerjoin(Claim, col(Claim.id) == col(Annotation.claim_id))
            .where(annotation_condition(filters), col(Passage.document_id) == document_id)
            .order_by(col(Annotation.created_at), col(Annotation.id))
        )
        rows = session.exec(query.execution_options(yield_per=BATCH_SIZE))
        for annotation, passage, topic, claim in rows:
            position = positions[annotation.position_key]
            yield annotation_to_w3c(
                annotation, passage, document, original_text, position, topic, claim, base_url
            )


def _lines(session: Session, filters: ExportFilters, base_url: str) -> Iterator[str]:
    own_id = collection_id(filters, base_url)
    # One page holds everything; it is embedded, so a fragment of the collection's URL names it.
    page_id = f"{own_id}#page1"
    collection = {
        "@context": ANNO_CONTEXT,
        "id": own_id,
        "type": "AnnotationCollection",
        "label": _label(filters),
        "total": _total(session, filters),
        "last": page_id,
    }
    page = {"id": page_id, "type": "AnnotationPage", "partOf": own_id, "startIndex": 0}
    # Both objects are written without their closing brace and left open for the items.
    opening = f'{dump_json(collection)[:-1]},"first":{dump_json(page)[:-1]},"items":['
    yield from array_lines(opening, _items(session, filters, base_url), "]}}\n")
