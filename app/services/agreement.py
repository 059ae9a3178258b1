"""How far analysts agree: Cohen's kappa for each pair and Krippendorff's alpha over all, on
passages and on spans, with bootstrap intervals and how agreement moved as coding went on.

Definitions, as computed here:

- **Which coding counts**: only finished, independent coding. A document **qualifies** when at
  least two analysts were assigned it (app/models/coding.py, `Assignment`) and both marked it
  done. An analyst **coded** a document iff their assignment on it is done; only their tags
  count there: live (not removed), in their place (not orphaned), not example data and not the
  adjudicated layer (a curator's decision is not a coder's coding). Tags of an analyst whose
  assignment is still open, and tags of anyone not assigned, are left out. Documents that are
  assigned but not finished are listed as *waiting* for the coders who have not finished.
  The reader's blinding (app/services/blinding.py) leaves out every document on which they
  see only their own tags: a coder must not see the others' labels before they are done.
- **Units** are the passages of the qualifying documents chosen (all by default) that are not
  boilerplate. Headings and pull quotes are units like paragraphs. A span tag counts for the
  passage it lies in. A coder's label for a passage of a document they did not code is
  **missing**, not "none": silence on a text one has not read says nothing about it; a coder
  who coded the document and did not tag the passage labels it `none`.
- **Three dimensions** of labels, each measured per code:
  - *per position*: the label of a unit for a position is the kind of that coder's tags of it
    there (``states``, ``supports``, ``opposes``, or ``none``). Two kinds of one position on
    one passage make the label the kinds sorted and joined with ``+`` (``opposes+states``): a
    category of its own, that agrees only with the same combination;
  - *per kind*: for each kind, the label is the positions tagged with that kind there, sorted
    and joined with ``+`` (``russia+us``), or ``none``;
  - *per topic*: for each topic, the positions of the tags of that topic there, likewise; a
    tag's topic is its own, or else its claim's.
- **Cohen's kappa** (Cohen 1960), per code and pair of analysts, over the units both coded:
  ``κ = (p_o − p_e) / (1 − p_e)``, with ``p_o`` the share of units given the same label and
  ``p_e`` the chance agreement from each analyst's own label frequencies. It is undefined
  (None, with a note saying why) when no unit was coded by both or when ``p_e = 1``.
- **Krippendorff's alpha**, nominal, per code over all chosen analysts, by the
  coincidence-matrix method of Krippendorff (2011), "Computing Krippendorff's
  Alpha-Reliability": every unit with at least two values is pairable; each ordered pair of
  values ``(c, k)`` from different analysts in a unit with ``m_u`` values adds
  ``1 / (m_u − 1)`` to ``o_ck``; ``n_c = Σ_k o_ck``, ``n = Σ_c n_c`` and
  ``α = 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k``. Undefined when no unit is pairable or
  when every pairable value is the same.
- **Spans**: Krippendorff's unitizing alpha α_u and pairwise span F1, per position and per
  kind, over the characters of the qualifying documents (app/services/agreement_spans.py).
  α_u needs every document coded by the same number of coders: when the numbers differ, it is
  computed over the documents with the most usual number, and a note says how many are left
  out.
- **Intervals**: 95 % percentile bootstrap intervals for every α, κ and α_u, from `samples`
  draws made with `seed` (app/services/agreement_bootstrap.py): passages are drawn for α and
  κ, documents for α_u. Only the qualifying documents are drawn from.
- **Over time**: a document qualified on the day its second coder marked it done; for each
  such day, α per position over the documents that had qualified by the end of it.
- The **overall label** of a unit for an analyst is the set of (position, kind) of their
  tags on it, over all positions. A passage is a **disagreement** when two analysts who both
  coded its document give it different overall labels; the list shows every analyst's labels
  side by side, in document order.

The measures (`agreement_measures.py`, `agreement_spans.py`, `agreement_bootstrap.py`) are
pure functions on plain data, tested against published worked examples; the tables of labels
are built in `agreement_labels.py`, the span figures in `agreement_span_report.py`, the list
of disagreements in `agreement_disagreements.py`. `analyst_agreement` gathers the labels from
the database in a constant number of queries (seven), whatever the number of documents,
analysts and tags. It reads each tag once and never builds the table of every unit's labels:
units with the same row of labels count once, with their number (the fractions are exact, so
the figures are the same), and a unit nobody tagged with a code is counted by the analysts who
coded its document.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter, itemgetter
from typing import cast

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    Assignment,
    Claim,
    Document,
    Passage,
    PassageKind,
    Position,
)
from app.services.agreement_bootstrap import (
    SAMPLES,
    SEED,
    Interval,
)
from app.services.agreement_disagreements import Disagreement, disagreements
from app.services.agreement_labels import (
    KINDS,
    Coding,
    Facts,
    Labels,
    PairAgreement,
    TagRow,
    Unit,
    facts_of,
    label_profiles,
)
from app.services.agreement_measures import (
    AlphaResult,
    krippendorff_alpha_of_counted_units,
)
from app.services.agreement_span_report import SpanAgreement, span_agreement
from app.services.blinding import SEES_ALL, Blinding
from app.services.catalog import list_positions, list_topics
from app.services.documents import document_label
from app.services.errors import NotFound
from app.services.paging import Page, PageRequest

MIN_ANALYSTS = 2

# --- the report (database) -----------------------------------------------------------------


@dataclass(frozen=True)
class DocumentCoverage:
    """A qualifying document chosen: its units, the analysts who coded it (finished) and the
    day it qualified (its second coder's day done)."""

    id: str
    label: str
    units: int
    coded_by: list[str]
    qualified_on: date | None = None


@dataclass(frozen=True)
class WaitingDocument:
    """An assigned document whose coding is not finished: who is done, who is not."""

    id: str
    label: str
    done: list[str]
    waiting_for: list[str]


@dataclass(frozen=True)
class AnalystCoverage:
    """A chosen analyst: how much of the chosen documents they coded."""

    name: str
    documents: int  # chosen documents they coded
    units: int  # units in those documents
    tags: int  # tags of theirs on units (boilerplate left out)


@dataclass(frozen=True)
class PositionAgreement:
    """Agreement on one position: kappa for each pair of analysts and alpha over all."""

    position: Position
    tags: int  # the chosen analysts' tags of this position on units
    pairs: list[PairAgreement]
    alpha: AlphaResult
    interval: Interval | None = None


@dataclass(frozen=True)
class CodeAgreement:
    """Agreement on one kind or one topic: kappa for each pair and alpha over all."""

    key: str
    name: str
    tags: int
    pairs: list[PairAgreement]
    alpha: AlphaResult
    interval: Interval | None = None


@dataclass(frozen=True)
class ProgressPoint:
    """α per position over the documents that had qualified by the end of `day`."""

    day: date
    documents: int
    alphas: dict[str, float | None]  # position key → alpha


@dataclass
class AgreementReport:
    """Agreement among the chosen analysts on the chosen qualifying documents, ready to present.

    `message` is set when there is nothing to measure (no qualifying document, or fewer than
    two analysts); the figures are then empty. `all_documents` and `all_analysts` are the
    choices a filter form offers: the qualifying documents and their coders. `waiting` lists
    the assigned documents whose coding is not finished.
    """

    documents: list[DocumentCoverage]
    analysts: list[AnalystCoverage]
    units: int
    positions: list[PositionAgreement]
    disagreements: list[Disagreement]
    all_documents: list[tuple[str, str]]  # (id, label), in corpus order
    all_analysts: list[str]
    message: str | None = None
    # The document ids asked for, in corpus order; empty when all documents were meant.
    chosen_documents: list[str] = field(default_factory=list)
    kinds: list[CodeAgreement] = field(default_factory=list)
    topics: list[CodeAgreement] = field(default_factory=list)
    spans: list[SpanAgreement] = field(default_factory=list)
    progress: list[ProgressPoint] = field(default_factory=list)
    waiting: list[WaitingDocument] = field(default_factory=list)
    samples: int = SAMPLES
    seed: int = SEED


def _counted_tags() -> list[ColumnElement[bool]]:
    """Tags that are a coder's coding: live, in their place, not example data, not the
    adjudicated layer."""
    return [
        col(Annotation.deleted_at).is_(None),
        col(Annotation.orphaned_at).is_(None),
        col(Annotation.passage_id).is_not(None),
        ~col(Annotation.example),
        ~col(Annotation.adjudicated),
    ]


def _analyst_order(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def _choose_documents(
    documents: Sequence[Document], document_ids: list[str] | None
) -> list[Document]:
    if not document_ids:
        return list(documents)
    wanted = set(document_ids)
    unknown = sorted(wanted - {d.id for d in documents})
    if unknown:
        names = ", ".join(f"'{i}'" for i in unknown)
        noun = "document with the id" if len(unknown) == 1 else "documents with the ids"
        raise NotFound(f"There is no {noun} {names}.")
    return [d for d in documents if d.id in wanted]


def analyst_agreement(
    session: Session,
    document_ids: list[str] | None = None,
    analysts: list[str] | None = None,
    blinding: Blinding = SEES_ALL,
    *,
    samples: int = SAMPLES,
    seed: int = SEED,
) -> AgreementReport:
    """Agreement among `analysts` (default: all who finished coding a qualifying document) on
    the qualifying documents among `document_ids` (default: all), leaving out the documents
    `blinding` hides from the reader; see the module docstring for the definitions. The
    bootstrap intervals come from `samples` draws seeded with `seed`.

    Unknown document ids raise NotFound. Nothing to measure is not an error: the report says
    so in `message`. Seven queries in all.
    """
    documents = list(
        session.exec(
            select(Document)
            .options(
                defer(cast(QueryableAttribute[str], Document.original_text))
            )  # only the labels are needed
            .order_by(col(Document.created_at), col(Document.id))
        )
    )
    # The opening words label an untitled document only: a titled one needs no passage read.
    untitled = select(Document.id).where(
        or_(col(Document.title).is_(None), col(Document.title) == "")
    )
    first_words = dict(
        session.exec(
            select(Passage.document_id, Passage.text).where(
                Passage.ordinal == 0, col(Passage.document_id).in_(untitled)
            )
        ).all()
    )
    labels = {d.id: document_label(d, first_words.get(d.id)) for d in documents}
    asked = _choose_documents(documents, document_ids)
    asked_ids = {d.id for d in asked}

    # Who finished coding which document, and who has not yet; blinded documents left out.
    done: defaultdict[str, dict[str, datetime]] = defaultdict(dict)
    still_open: defaultdict[str, list[str]] = defaultdict(list)
    for document_id, analyst, done_at in session.exec(
        select(Assignment.document_id, Assignment.analyst, Assignment.done_at)
    ):
        if document_id in blinding.documents:
            continue
        if done_at is None:
            still_open[document_id].append(analyst)
        else:
            done[document_id][analyst] = done_at
    qualifying = [d for d in documents if len(done[d.id]) >= MIN_ANALYSTS]
    chosen = [d for d in qualifying if d.id in asked_ids]
    chosen_ids = [d.id for d in chosen]
    wanted = {a.strip() for a in analysts or [] if a.strip()}
    # The coders of each chosen document: those done, among the analysts asked for.
    coders_of = {
        document_id: sorted(
            (a for a in done[document_id] if not wanted or a in wanted), key=_analyst_order
        )
        for document_id in chosen_ids
    }
    coded: defaultdict[str, set[str]] = defaultdict(set)
    for document_id, names in coders_of.items():
        for analyst in names:
            coded[analyst].add(document_id)

    unit_query = sa_select(
        col(Passage.id),
        col(Passage.document_id),
        col(Passage.ordinal),
        col(Passage.kind),
        col(Passage.text),
        col(Passage.start),
        col(Passage.end),
    ).where(col(Passage.kind) != PassageKind.boilerplate, col(Passage.document_id).in_(chosen_ids))
    tag_query = (
        sa_select(
            col(Annotation.passage_id),
            col(Annotation.document_id),
            col(Annotation.analyst),
            col(Annotation.position_key),
            col(Annotation.kind),
            func.coalesce(col(Annotation.topic_key), col(Claim.topic_key)),
            col(Annotation.start),
            col(Annotation.end),
        )
        .select_from(Annotation)
        .outerjoin(Claim, col(Claim.id) == col(Annotation.claim_id))
        .where(*_counted_tags(), col(Annotation.document_id).in_(chosen_ids))
    )
    in_document: dict[str, list[Unit]] = {document_id: [] for document_id in chosen_ids}
    # Plain rows, read through the connection: no ORM entity is made of them.
    connection = session.connection()
    for row in connection.execute(unit_query):
        in_document[row[1]].append(Unit(*row))
    units = [
        unit
        for document_id in chosen_ids
        for unit in sorted(in_document[document_id], key=attrgetter("ordinal"))
    ]
    unit_ids = {unit.id for unit in units}
    coder_sets = {document_id: set(names) for document_id, names in coders_of.items()}
    # Only the tags of a document's coders count there.
    rows = [
        cast(TagRow, tuple(row))
        for row in connection.execute(tag_query)
        if row[2] in coder_sets[row[1]]
    ]
    positions = list_positions(session)
    topics = list_topics(session)

    on_units = [row for row in rows if row[0] in unit_ids]
    tag_counts = Counter(map(itemgetter(2), on_units))
    chosen_analysts = sorted(wanted or set(coded), key=_analyst_order)
    units_per_document = Counter(unit.document_id for unit in units)
    qualified_on = {
        document_id: sorted(done[document_id][a] for a in names)[1].date()
        for document_id, names in coders_of.items()
        if len(names) >= MIN_ANALYSTS
    }
    report = AgreementReport(
        documents=[
            DocumentCoverage(
                d.id,
                labels[d.id],
                units_per_document[d.id],
                [a for a in chosen_analysts if d.id in coded[a]],
                qualified_on.get(d.id),
            )
            for d in chosen
        ],
        analysts=[
            AnalystCoverage(
                a,
                len(coded[a]),
                sum(units_per_document[d] for d in coded[a]),
                tag_counts[a],
            )
            for a in chosen_analysts
        ],
        units=len(units),
        positions=[],
        disagreements=[],
        all_documents=[(d.id, labels[d.id]) for d in qualifying],
        all_analysts=sorted({a for d in qualifying for a in done[d.id]}, key=_analyst_order),
        chosen_documents=[d.id for d in asked] if document_ids else [],
        waiting=[
            WaitingDocument(
                d.id,
                labels[d.id],
                sorted(done[d.id], key=_analyst_order),
                sorted(still_open[d.id], key=_analyst_order),
            )
            for d in asked
            if still_open[d.id]
        ],
        samples=samples,
        seed=seed,
    )
    report.message = _nothing_to_measure(chosen, qualifying, chosen_analysts, wanted)
    if report.message:
        return report

    # Which of the chosen analysts coded each document, in their order: the units of a
    # document have the same coders, and a coder's label is None (missing) elsewhere.
    coding = Coding(
        chosen_analysts,
        units,
        {
            document_id: tuple(document_id in coded[a] for a in chosen_analysts)
            for document_id in chosen_ids
        },
        samples,
        seed,
    )
    overall = facts_of(on_units, 3, 4)  # (position, kind)
    position_tags = Counter(map(itemgetter(3), on_units))
    by_position = coding.measured([p.key for p in positions], overall)
    report.positions = [
        PositionAgreement(position, position_tags[position.key], *by_position[position.key])
        for position in positions
    ]
    kind_tags = Counter(map(itemgetter(4), on_units))
    by_kind = coding.measured(KINDS, facts_of(on_units, 4, 3))  # (kind, position)
    report.kinds = [CodeAgreement(k, k, kind_tags[k], *by_kind[k]) for k in KINDS]
    topic_tags = Counter(row[5] for row in on_units if row[5] is not None)
    tagged_topics = [t for t in topics if topic_tags[t.key]]
    by_topic = coding.measured([t.key for t in tagged_topics], facts_of(on_units, 5, 3))
    report.topics = [
        CodeAgreement(t.key, t.name, topic_tags[t.key], *by_topic[t.key]) for t in tagged_topics
    ]
    report.spans = span_agreement(
        positions, units, on_units, coders_of, chosen_analysts, samples, seed
    )
    report.progress = _progress(positions, units, overall, coding, qualified_on)
    report.disagreements = disagreements(
        positions, units, on_units, overall, coding, labels, position_tags
    )
    return report


def _nothing_to_measure(
    chosen: list[Document],
    qualifying: list[Document],
    chosen_analysts: list[str],
    wanted: set[str],
) -> str | None:
    """Why there is nothing to measure, if there is not."""
    if not qualifying:
        return (
            "No document qualifies yet: agreement counts only documents that at least two "
            "analysts were assigned and have marked done."
        )
    if not chosen:
        return (
            "None of the chosen documents qualifies: agreement counts only documents that at "
            "least two analysts were assigned and have marked done."
        )
    if len(chosen_analysts) < MIN_ANALYSTS:
        if wanted:
            who = chosen_analysts[0] if chosen_analysts else "nobody"
            return f"Agreement needs at least two analysts; only {who} was chosen."
        return "Agreement needs at least two analysts who finished coding these documents."
    return None


def _progress(
    positions: list[Position],
    units: list[Unit],
    overall: Facts,
    coding: Coding,
    qualified_on: Mapping[str, date],
) -> list[ProgressPoint]:
    """α per position over the documents qualified by each day one qualified. The rows of
    labels add up over documents, so each day adds those of the documents it brought."""
    keys = [p.key for p in positions]
    by_day: defaultdict[date, list[Unit]] = defaultdict(list)
    for unit in units:
        on = qualified_on.get(unit.document_id)
        if on is not None:
            by_day[on].append(unit)
    facts_of: defaultdict[date, dict[str, Mapping[str, set[tuple[str, str]]]]]
    facts_of = defaultdict(dict)
    day_of_unit = {unit.id: day for day, day_units in by_day.items() for unit in day_units}
    for unit_id, by_analyst in overall.items():
        if unit_id in day_of_unit:
            facts_of[day_of_unit[unit_id]][unit_id] = by_analyst
    so_far: dict[str, Counter[Labels]] = {key: Counter() for key in keys}
    documents: set[str] = set()
    points = []
    for day in sorted(by_day):
        added = label_profiles(keys, by_day[day], facts_of[day], coding.coders, coding.analysts)
        for key in keys:
            so_far[key].update(added[key])
        documents.update(unit.document_id for unit in by_day[day])
        points.append(
            ProgressPoint(
                day,
                len(documents),
                {key: krippendorff_alpha_of_counted_units(so_far[key]).alpha for key in keys},
            )
        )
    return points


def page_of_disagreements(report: AgreementReport, asked: PageRequest) -> Page[Disagreement]:
    """The disagreements `asked` for, and how many there are: where analysts differ on most
    passages, there are nearly as many as passages, too many to send or show at once."""
    chosen = report.disagreements[asked.offset : asked.offset + asked.limit]
    return Page(chosen, len(report.disagreements), asked.limit, asked.offset)
