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

The measures (`agreement_measures.py`, `agreement_spans.py`) are pure functions on plain
Python data, tested against published worked examples; `analyst_agreement` gathers the labels
from the database in a constant number of queries (seven), whatever the number of documents,
analysts and tags. It reads each tag once and never builds the table of every unit's labels:
units with the same row of labels count once, with their number (the fractions are exact, so
the figures are the same), and a unit nobody tagged with a code is counted by the analysts who
coded its document.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from operator import attrgetter, itemgetter
from typing import TypeVar, cast

from sqlalchemy import ColumnElement, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from app.models import (
    Annotation,
    AnnotationKind,
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
    alpha_interval,
    kappa_interval,
    unitizing_interval,
)
from app.services.agreement_measures import (
    AlphaResult,
    KappaResult,
    cohen_kappa_of_table,
    krippendorff_alpha_of_counted_units,
)
from app.services.agreement_spans import (
    Section,
    Segment,
    Span,
    SpanF1,
    UnitizingAlphaResult,
    alpha_of_figures,
    merged_units,
    section_figures,
    span_f1,
)
from app.services.blinding import SEES_ALL, Blinding
from app.services.catalog import list_positions, list_topics
from app.services.documents import document_label
from app.services.errors import NotFound
from app.services.paging import Page, PageRequest

NONE = "none"
COMBINED = "+"
MIN_ANALYSTS = 2
KINDS = [kind.value for kind in AnnotationKind]

Label = TypeVar("Label", bound=Hashable)


def combined_label(kinds: Iterable[str]) -> str:
    """One analyst's label of a unit for one code: the values of their tags of it, sorted
    and joined (`states`, `opposes+supports`), or `none` for no tag."""
    return COMBINED.join(sorted(set(kinds))) or NONE


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
class PairAgreement:
    """Cohen's kappa of two analysts on one code, with its bootstrap interval."""

    first: str
    second: str
    kappa: KappaResult
    interval: Interval | None = None


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
class SpanPair:
    """Span F1 of two analysts on one code, over the documents both coded."""

    first: str
    second: str
    f1: SpanF1


@dataclass(frozen=True)
class SpanAgreement:
    """Agreement on the stretches of text tagged with one position (or one kind): α_u over
    `documents` documents, its interval, and span F1 for each pair of analysts."""

    dimension: str  # "position" or "kind"
    key: str
    name: str
    alpha: UnitizingAlphaResult
    interval: Interval | None
    pairs: list[SpanPair]
    documents: int
    note: str | None = None


@dataclass(frozen=True)
class ProgressPoint:
    """α per position over the documents that had qualified by the end of `day`."""

    day: date
    documents: int
    alphas: dict[str, float | None]  # position key → alpha


@dataclass(frozen=True, slots=True)
class Unit:
    """A passage that is a unit: the fields of it that a report shows."""

    id: str
    document_id: str
    ordinal: int
    kind: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class AnalystLabels:
    """One analyst's overall label of a passage: (position, kind) pairs, None if not coded."""

    analyst: str
    labels: list[tuple[str, str]] | None

    @property
    def coded(self) -> bool:
        return self.labels is not None


@dataclass(frozen=True)
class Disagreement:
    """A passage to which two analysts who coded it gave different labels."""

    passage: Unit
    document_label: str
    labels: list[AnalystLabels]
    positions: list[str]  # keys of the positions on which the labels differ


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


# (passage, document, analyst, position, kind, topic, start, end) of a counted tag.
TagRow = tuple[str, str, str, str, str, str | None, int | None, int | None]
# unit → analyst → the (code, value) pairs of their tags there.
Facts = Mapping[str, Mapping[str, set[tuple[str, str]]]]


def _facts(
    rows: Iterable[TagRow], code: int, value: int
) -> dict[str, dict[str, set[tuple[str, str]]]]:
    """unit → analyst → (code, value) of each tag, from the row fields `code` and `value`
    (a tag without that code, a topic say, gives none)."""
    facts: defaultdict[str, defaultdict[str, set[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(set)
    )
    for row in rows:
        key = row[code]
        if key is not None:
            facts[row[0]][row[2]].add((cast(str, key), cast(str, row[value])))
    return {unit: dict(by_analyst) for unit, by_analyst in facts.items()}


@dataclass(frozen=True)
class _Coding:
    """Who coded what, among the chosen: the base of every figure."""

    analysts: list[str]
    units: list[Unit]
    coders: dict[str, tuple[bool, ...]]  # document → for each analyst, coded it?
    samples: int
    seed: int

    def measured(
        self, keys: list[str], facts: Facts
    ) -> dict[str, tuple[list[PairAgreement], AlphaResult, Interval]]:
        """For each code: kappa of each pair and alpha over all, with their intervals."""
        profiles_of = _label_profiles(keys, self.units, facts, self.coders, self.analysts)
        figures = {}
        for key in keys:
            profiles = profiles_of[key]
            pairs = []
            for (i, first), (j, second) in combinations(enumerate(self.analysts), 2):
                table = _pair_table(profiles, i, j)
                pairs.append(
                    PairAgreement(
                        first,
                        second,
                        cohen_kappa_of_table(table),
                        kappa_interval(table, samples=self.samples, seed=self.seed),
                    )
                )
            figures[key] = (
                pairs,
                krippendorff_alpha_of_counted_units(profiles),
                alpha_interval(profiles, samples=self.samples, seed=self.seed),
            )
        return figures


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
    coding = _Coding(
        chosen_analysts,
        units,
        {
            document_id: tuple(document_id in coded[a] for a in chosen_analysts)
            for document_id in chosen_ids
        },
        samples,
        seed,
    )
    overall = _facts(on_units, 3, 4)  # (position, kind)
    position_tags = Counter(map(itemgetter(3), on_units))
    by_position = coding.measured([p.key for p in positions], overall)
    report.positions = [
        PositionAgreement(position, position_tags[position.key], *by_position[position.key])
        for position in positions
    ]
    kind_tags = Counter(map(itemgetter(4), on_units))
    by_kind = coding.measured(KINDS, _facts(on_units, 4, 3))  # (kind, position)
    report.kinds = [CodeAgreement(k, k, kind_tags[k], *by_kind[k]) for k in KINDS]
    topic_tags = Counter(row[5] for row in on_units if row[5] is not None)
    tagged_topics = [t for t in topics if topic_tags[t.key]]
    by_topic = coding.measured([t.key for t in tagged_topics], _facts(on_units, 5, 3))
    report.topics = [
        CodeAgreement(t.key, t.name, topic_tags[t.key], *by_topic[t.key]) for t in tagged_topics
    ]
    report.spans = _span_agreement(
        positions, units, on_units, coders_of, chosen_analysts, samples, seed
    )
    report.progress = _progress(positions, units, overall, coding, qualified_on)
    report.disagreements = _disagreements(
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


def _disagreements(
    positions: list[Position],
    units: list[Unit],
    on_units: list[TagRow],
    overall: Facts,
    coding: _Coding,
    labels: Mapping[str, str],
    position_tags: Mapping[str, int],
) -> list[Disagreement]:
    """The passages to which two analysts who both coded them gave different labels."""
    position_order = {p.key: index for index, p in enumerate(positions)}

    def by_position(pair: tuple[str, str]) -> tuple[int, str, str]:
        return (position_order.get(pair[0], len(position_order)), *pair)

    # Every (position, kind) pair there is, ranked once: an analyst's labels are shown in
    # that order.
    kinds = set(map(itemgetter(4), on_units))
    rank = {
        pair: index
        for index, pair in enumerate(
            sorted(((key, kind) for key in position_tags for kind in kinds), key=by_position)
        )
    }
    position_rank = {
        key: index
        for index, key in enumerate(sorted(position_tags, key=lambda k: by_position((k, ""))))
    }
    nothing: set[tuple[str, str]] = set()
    found = []
    for unit in units:
        tagged_by = overall.get(unit.id)
        if tagged_by is None:
            continue  # every coder left it untagged: the same empty label
        document_coders = coding.coders[unit.document_id]
        given = [
            tagged_by.get(a, nothing)
            for a, coded_it in zip(coding.analysts, document_coders, strict=True)
            if coded_it
        ]
        if len(given) < MIN_ANALYSTS or all(g == given[0] for g in given):
            continue
        # The (position, kind) pairs that some but not all of the coders gave.
        differing = given[0].union(*given[1:]) - given[0].intersection(*given[1:])
        found.append(
            Disagreement(
                unit,
                labels[unit.document_id],
                [
                    AnalystLabels(
                        a,
                        sorted(tagged_by.get(a, ()), key=rank.__getitem__) if coded_it else None,
                    )
                    for a, coded_it in zip(coding.analysts, document_coders, strict=True)
                ],
                sorted({key for key, _ in differing}, key=position_rank.__getitem__),
            )
        )
    return found


def _progress(
    positions: list[Position],
    units: list[Unit],
    overall: Facts,
    coding: _Coding,
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
        added = _label_profiles(keys, by_day[day], facts_of[day], coding.coders, coding.analysts)
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


def _span_agreement(
    positions: list[Position],
    units: list[Unit],
    on_units: list[TagRow],
    coders_of: Mapping[str, list[str]],
    analysts: list[str],
    samples: int,
    seed: int,
) -> list[SpanAgreement]:
    """α_u and span F1 per position and per kind, on the characters of the documents'
    units laid end to end (see app/services/agreement_spans.py)."""
    # Where each unit begins in its document's continuum, and each document's length.
    begins: dict[str, int] = {}
    lengths: Counter[str] = Counter()
    for unit in units:
        begins[unit.id] = lengths[unit.document_id]
        lengths[unit.document_id] += len(unit.text)
    length_of = {unit.id: len(unit.text) for unit in units}
    # (dimension, code) → document → analyst → the stretches tagged with it.
    stretches: defaultdict[tuple[str, str], defaultdict[str, defaultdict[str, list[Segment]]]]
    stretches = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for passage_id, document_id, analyst, position_key, kind, _, start, end in on_units:
        size = length_of[passage_id]
        begin = min(max(start or 0, 0), size)
        finish = size if end is None else min(max(end, begin), size)
        stretch = (begins[passage_id] + begin, begins[passage_id] + finish)
        stretches[("position", position_key)][document_id][analyst].append(stretch)
        stretches[("kind", kind)][document_id][analyst].append(stretch)

    # α_u wants the same number of coders on every document: the most usual number.
    by_count = Counter(len(names) for names in coders_of.values() if len(names) >= 2)
    results: list[SpanAgreement] = []
    if not by_count:
        return results
    coders, _ = max(by_count.items(), key=lambda item: (item[1], item[0]))
    measured = [d for d, names in coders_of.items() if len(names) == coders]
    left_out = sum(by_count.values()) - len(measured)
    note = (
        f"α_u is computed over the {len(measured)} documents coded by {coders} analysts; "
        f"{left_out} coded by another number of analysts are left out."
        if left_out
        else None
    )
    codes = [("position", p.key, p.name) for p in positions] + [("kind", k, k) for k in KINDS]
    for dimension, key, name in codes:
        tagged: Mapping[str, Mapping[str, list[Segment]]] = stretches.get((dimension, key), {})
        merged = {
            d: {a: merged_units(tagged.get(d, {}).get(a, [])) for a in names}
            for d, names in coders_of.items()
        }
        figures = [
            section_figures(Section(lengths[d], [merged[d][a] for a in coders_of[d]]))
            for d in measured
        ]
        pairs = []
        for first, second in combinations(analysts, 2):
            both = [d for d, names in coders_of.items() if first in names and second in names]
            if both:
                pairs.append(
                    SpanPair(
                        first,
                        second,
                        span_f1(_spans(merged, both, first), _spans(merged, both, second)),
                    )
                )
        results.append(
            SpanAgreement(
                dimension,
                key,
                name,
                alpha_of_figures(coders, figures),
                unitizing_interval(coders, figures, samples=samples, seed=seed),
                pairs,
                len(measured),
                note,
            )
        )
    return results


def _spans(
    merged: Mapping[str, Mapping[str, list[Segment]]], documents: list[str], analyst: str
) -> list[Span]:
    return [(d, b, e) for d in documents for b, e in merged[d][analyst]]


Labels = tuple[str | None, ...]


def _label_profiles(
    keys: list[str],
    units: list[Unit],
    facts: Facts,
    coders: Mapping[str, tuple[bool, ...]],
    analysts: list[str],
) -> dict[str, Counter[Labels]]:
    """For each code, how many units got each row of labels, one label per analyst (None
    where they did not code the document): every figure of the code follows from these.

    One pass over the tagged units: a unit nobody tagged with a code has `none` from each of
    its coders there, so those units are counted by their coders, not looked at. Facts about
    units not in `units` are passed over."""
    profiles: dict[str, Counter[Labels]] = {key: Counter() for key in keys}
    tagged: dict[str, Counter[tuple[bool, ...]]] = {key: Counter() for key in keys}
    place = {analyst: index for index, analyst in enumerate(analysts)}
    document_of = {unit.id: unit.document_id for unit in units}
    # The labels of a unit no one tagged with a code, for each set of coders.
    untagged_labels = {
        document_coders: tuple(NONE if coded_it else None for coded_it in document_coders)
        for document_coders in set(coders.values())
    }
    for unit_id, by_analyst in facts.items():
        document_id = document_of.get(unit_id)
        if document_id is None:
            continue
        document_coders = coders[document_id]
        # code → the label of each analyst for it on this unit
        here: dict[str, list[str | None]] = {}
        for analyst, pairs in by_analyst.items():
            index = place.get(analyst)
            if index is None:
                continue
            for key, value in pairs:
                row = here.get(key)
                if row is None:
                    row = here[key] = list(untagged_labels[document_coders])
                label = row[index]
                if label is None:
                    continue  # not a coder of this document: missing, whatever they tagged
                row[index] = (
                    value if label == NONE else combined_label([*label.split(COMBINED), value])
                )
        for key, row in here.items():
            if key in profiles:
                tagged[key][document_coders] += 1
                profiles[key][tuple(row)] += 1
    units_by_coders = Counter(coders[unit.document_id] for unit in units)
    for key, counts in profiles.items():
        for document_coders, count in units_by_coders.items():
            untagged = count - tagged[key][document_coders]
            if untagged:
                counts[untagged_labels[document_coders]] += untagged
    return profiles


def _pair_table(
    profiles: Mapping[Labels, int], first: int, second: int
) -> Counter[tuple[str, str]]:
    """Cohen's contingency table of two analysts (by their place in the rows of labels), over
    the units both coded."""
    table: Counter[tuple[str, str]] = Counter()
    for labels, count in profiles.items():
        a, b = labels[first], labels[second]
        if a is not None and b is not None:
            table[(a, b)] += count
    return table


def page_of_disagreements(report: AgreementReport, asked: PageRequest) -> Page[Disagreement]:
    """The disagreements `asked` for, and how many there are: where analysts differ on most
    passages, there are nearly as many as passages, too many to send or show at once."""
    chosen = report.disagreements[asked.offset : asked.offset + asked.limit]
    return Page(chosen, len(report.disagreements), asked.limit, asked.offset)
