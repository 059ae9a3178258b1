"""How far analysts agree: Cohen's kappa for each pair and Krippendorff's alpha over all.

Definitions, as computed here:

- **Units** are the passages of the chosen documents (all documents by default) that are not
  boilerplate. Headings and pull quotes are units like paragraphs.
- **Which tags count**: live ones (not removed), in their place (not orphaned) and made by an
  analyst (the starter map's example tags are nobody's coding and are left out). A span tag
  counts for the passage it lies in.
- An analyst **coded** a document if they made at least one such tag in it. Their label for a
  passage of a document they did not code is **missing**, not "none": silence on a text one
  has not read says nothing about it.
- The **label** of a unit for one position and one analyst is the kind of that analyst's tags
  of that position on the passage: ``states``, ``supports`` or ``opposes``; ``none`` if they
  coded the document but did not tag that position there. If they gave the same position two
  kinds on one passage (a span that states it, say, and another that opposes it), the label is
  the kinds sorted and joined with ``+`` (``opposes+states``): a category of its own, so it
  agrees only with the same combination.
- **Cohen's kappa** (Cohen 1960), per position and pair of analysts, over the units both coded:
  ``κ = (p_o − p_e) / (1 − p_e)``, with ``p_o`` the share of units given the same label and
  ``p_e`` the chance agreement from each analyst's own label frequencies. It is undefined
  (None, with a note saying why) when no unit was coded by both or when ``p_e = 1`` (both
  gave every unit one and the same label).
- **Krippendorff's alpha**, nominal, per position over all chosen analysts, by the
  coincidence-matrix method of Krippendorff (2011), "Computing Krippendorff's
  Alpha-Reliability": every unit with at least two values is pairable; each ordered pair of
  values ``(c, k)`` from different analysts in a unit with ``m_u`` values adds
  ``1 / (m_u − 1)`` to ``o_ck``; ``n_c = Σ_k o_ck``, ``n = Σ_c n_c`` and
  ``α = 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k``. Undefined when no unit is pairable or
  when every pairable value is the same (there is no variation to agree on).
- The **overall label** of a unit for an analyst is the set of (position, kind) of their
  tags on it, over all positions. A passage is a **disagreement** when two analysts who both
  coded its document give it different overall labels; the list shows every analyst's labels
  side by side, in document order.

The two measures (`app/services/agreement_measures.py`) are pure functions on plain Python
data (tested against published worked examples); `analyst_agreement` gathers the labels from
the database in a constant number of queries (six), whatever the number of documents,
analysts and tags. It reads each tag once
and never builds the table of every unit's labels: units with the same row of labels count
once, with their number (the fractions are exact, so the figures are the same), and a unit
nobody tagged with a position is counted by the analysts who coded its document.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from operator import attrgetter, itemgetter
from typing import TypeVar, cast

from sqlalchemy import ColumnElement, or_
from sqlalchemy import select as sa_select
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from app.models import Annotation, Document, Passage, PassageKind, Position
from app.services.agreement_measures import (
    AlphaResult,
    KappaResult,
    cohen_kappa_of_table,
    krippendorff_alpha_of_counted_units,
)
from app.services.catalog import list_positions
from app.services.documents import document_label
from app.services.errors import NotFound
from app.services.paging import Page, PageRequest

NONE = "none"
COMBINED = "+"
MIN_ANALYSTS = 2

Label = TypeVar("Label", bound=Hashable)


def combined_label(kinds: Iterable[str]) -> str:
    """One analyst's label of a unit for one position: the kinds of their tags of it, sorted
    and joined (`states`, `opposes+supports`), or `none` for no tag."""
    return COMBINED.join(sorted(set(kinds))) or NONE


# --- the report (database) -----------------------------------------------------------------


@dataclass(frozen=True)
class DocumentCoverage:
    """A chosen document: its units and the analysts who coded it."""

    id: str
    label: str
    units: int
    coded_by: list[str]


@dataclass(frozen=True)
class AnalystCoverage:
    """A chosen analyst: how much of the chosen documents they coded."""

    name: str
    documents: int  # chosen documents they coded
    units: int  # units in those documents
    tags: int  # tags of theirs on units (boilerplate left out)


@dataclass(frozen=True)
class PairAgreement:
    """Cohen's kappa of two analysts on one position."""

    first: str
    second: str
    kappa: KappaResult


@dataclass(frozen=True)
class PositionAgreement:
    """Agreement on one position: kappa for each pair of analysts and alpha over all."""

    position: Position
    tags: int  # the chosen analysts' tags of this position on units
    pairs: list[PairAgreement]
    alpha: AlphaResult


@dataclass(frozen=True)
class AnalystLabels:
    """One analyst's overall label of a passage: (position, kind) pairs, None if not coded."""

    analyst: str
    labels: list[tuple[str, str]] | None

    @property
    def coded(self) -> bool:
        return self.labels is not None


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
class Disagreement:
    """A passage to which two analysts who coded it gave different labels."""

    passage: Unit
    document_label: str
    labels: list[AnalystLabels]
    positions: list[str]  # keys of the positions on which the labels differ


@dataclass
class AgreementReport:
    """Agreement among the chosen analysts on the chosen documents, ready to present.

    `message` is set when there is nothing to measure (fewer than two analysts); the
    positions and disagreements are then empty. `all_documents` and `all_analysts` are the
    choices a filter form offers.
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


def _counted_tags() -> list[ColumnElement[bool]]:
    """Tags that are an analyst's coding: live, in their place, not example data."""
    return [
        col(Annotation.deleted_at).is_(None),
        col(Annotation.orphaned_at).is_(None),
        col(Annotation.passage_id).is_not(None),
        ~col(Annotation.example),
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
) -> AgreementReport:
    """Agreement among `analysts` (default: all who tagged the chosen documents) on
    `document_ids` (default: all documents); see the module docstring for the definitions.

    Unknown document ids raise NotFound. Fewer than two analysts is not an error: the report
    says so in `message`. Six queries in all.
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
    chosen = _choose_documents(documents, document_ids)
    chosen_ids = [d.id for d in chosen]
    wanted = {a.strip() for a in analysts or [] if a.strip()}

    # Every document is chosen unless some are named: then no filter by document is needed.
    unit_query = sa_select(
        col(Passage.id),
        col(Passage.document_id),
        col(Passage.ordinal),
        col(Passage.kind),
        col(Passage.text),
        col(Passage.start),
        col(Passage.end),
    ).where(col(Passage.kind) != PassageKind.boilerplate)
    tag_query = sa_select(
        col(Annotation.passage_id),
        col(Annotation.document_id),
        col(Annotation.analyst),
        col(Annotation.position_key),
        col(Annotation.kind),
    ).where(*_counted_tags())
    if document_ids:
        unit_query = unit_query.where(col(Passage.document_id).in_(chosen_ids))
        tag_query = tag_query.where(col(Annotation.document_id).in_(chosen_ids))
    if wanted:
        tag_query = tag_query.where(col(Annotation.analyst).in_(wanted))
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

    # (passage, document, analyst, position, kind); every passage id is set (a counted tag).
    rows = cast(Sequence[tuple[str, str, str, str, str]], connection.execute(tag_query).all())
    positions = list_positions(session)
    all_analysts = sorted(
        session.exec(select(Annotation.analyst).where(*_counted_tags()).distinct()),
        key=_analyst_order,
    )

    # Any counted tag in a document, even on boilerplate, shows that its analyst coded it.
    coded: defaultdict[str, set[str]] = defaultdict(set)
    for analyst, document_id in {(row[2], row[1]) for row in rows}:
        coded[analyst].add(document_id)
    on_units = [row for row in rows if row[0] in unit_ids]
    tag_counts = Counter(map(itemgetter(2), on_units))
    position_tags = Counter(map(itemgetter(3), on_units))
    # unit → analyst → the (position, kind) pairs of their tags there: the overall label.
    overall: defaultdict[str, defaultdict[str, set[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(set)
    )
    for passage_id, _, analyst, position_key, kind in on_units:
        overall[passage_id][analyst].add((position_key, kind))
    chosen_analysts = sorted(wanted or set(coded), key=_analyst_order)

    units_per_document = Counter(unit.document_id for unit in units)
    report = AgreementReport(
        documents=[
            DocumentCoverage(
                d.id,
                labels[d.id],
                units_per_document[d.id],
                [a for a in chosen_analysts if d.id in coded[a]],
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
        all_documents=[(d.id, labels[d.id]) for d in documents],
        all_analysts=all_analysts,
        chosen_documents=chosen_ids if document_ids else [],
    )
    if len(chosen_analysts) < MIN_ANALYSTS:
        if wanted:
            report.message = (
                f"Agreement needs at least two analysts; only {chosen_analysts[0]} was chosen."
            )
        else:
            who = f"only {chosen_analysts[0]} has" if chosen_analysts else "nobody has"
            report.message = (
                f"Agreement needs at least two analysts who tagged these documents; {who}."
            )
        return report

    # Which of the chosen analysts coded each document, in their order: the units of a
    # document have the same coders, and a coder's label is None (missing) elsewhere.
    coders = {
        document_id: tuple(document_id in coded[a] for a in chosen_analysts)
        for document_id in chosen_ids
    }
    profiles_of = _label_profiles(
        [p.key for p in positions], units, overall, coders, chosen_analysts
    )
    for position in positions:
        profiles = profiles_of[position.key]
        pairs = [
            PairAgreement(first, second, cohen_kappa_of_table(_pair_table(profiles, i, j)))
            for (i, first), (j, second) in combinations(enumerate(chosen_analysts), 2)
        ]
        report.positions.append(
            PositionAgreement(
                position,
                position_tags[position.key],
                pairs,
                krippendorff_alpha_of_counted_units(profiles),
            )
        )

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
    for unit in units:
        tagged_by = overall.get(unit.id)
        if tagged_by is None:
            continue  # every coder left it untagged: the same empty label
        document_coders = coders[unit.document_id]
        given = [
            tagged_by.get(a, nothing)
            for a, coded_it in zip(chosen_analysts, document_coders, strict=True)
            if coded_it
        ]
        if len(given) < MIN_ANALYSTS or all(g == given[0] for g in given):
            continue
        # The (position, kind) pairs that some but not all of the coders gave.
        differing = given[0].union(*given[1:]) - given[0].intersection(*given[1:])
        report.disagreements.append(
            Disagreement(
                unit,
                labels[unit.document_id],
                [
                    AnalystLabels(
                        a,
                        sorted(tagged_by.get(a, ()), key=rank.__getitem__) if coded_it else None,
                    )
                    for a, coded_it in zip(chosen_analysts, document_coders, strict=True)
                ],
                sorted({key for key, _ in differing}, key=position_rank.__getitem__),
            )
        )
    return report


Labels = tuple[str | None, ...]


def _label_profiles(
    position_keys: list[str],
    units: list[Unit],
    overall: Mapping[str, Mapping[str, set[tuple[str, str]]]],
    coders: Mapping[str, tuple[bool, ...]],
    analysts: list[str],
) -> dict[str, Counter[Labels]]:
    """For each position, how many units got each row of labels, one label per analyst (None
    where they did not code the document): every figure of the position follows from these.

    One pass over the tagged units: a unit nobody tagged with a position has `none` from each
    of its coders there, so those units are counted by their coders, not looked at."""
    profiles: dict[str, Counter[Labels]] = {key: Counter() for key in position_keys}
    tagged: dict[str, Counter[tuple[bool, ...]]] = {key: Counter() for key in position_keys}
    place = {analyst: index for index, analyst in enumerate(analysts)}
    document_of = {unit.id: unit.document_id for unit in units}
    # The labels of a unit no one tagged with a position, for each set of coders.
    untagged_labels = {
        document_coders: tuple(NONE if coded_it else None for coded_it in document_coders)
        for document_coders in set(coders.values())
    }
    for unit_id, by_analyst in overall.items():
        document_coders = coders[document_of[unit_id]]
        # position → the label of each analyst for it on this unit
        here: dict[str, list[str | None]] = {}
        for analyst, pairs in by_analyst.items():
            index = place[analyst]
            for key, kind in pairs:
                row = here.get(key)
                if row is None:
                    row = here[key] = list(untagged_labels[document_coders])
                label = row[index]
                if label is None:
                    continue  # not a coder of this document: missing, whatever they tagged
                row[index] = (
                    kind if label == NONE else combined_label([*label.split(COMBINED), kind])
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
