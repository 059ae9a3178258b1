"""Independent coding: which tags a coder may not see while they code, and the layer of tags an
analysis reads.

A **coder** is an analyst with an assignment (app/models/coding.py). On a document assigned to
them they see only their own tags (no other analyst's, no example tag, no adjudicated tag)
until they mark it done; after that, they see the others' if the team's setting
`show_others_when_done` is on (the default), and never while it is off. Everyone else (a
viewer, an analyst without an assignment on the document, a curator who is not coding it) sees
every tag.

`Blinding` is that rule for one reader: their name and the documents on which they see only
their own tags. Every read that shows tags, counts them or names their analysts applies it:
`visible_condition` in SQL, `hides` on rows already read.

The **layer** of an analysis: every tag (`all`, the default), or only the adjudicated layer
(`adjudicated`, the curators' decisions, app/services/adjudication.py). One analyst's tags are
the `analyst` filter of app/services/tag_filters.py.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from app.models import Annotation, Assignment, TeamSetting

SHOW_OTHERS_WHEN_DONE = "show_others_when_done"


class Layer(StrEnum):
    all = "all"  # every tag: the coders', the adjudicated layer's and everyone else's
    adjudicated = "adjudicated"  # only the adjudicated layer


@dataclass(frozen=True)
class Blinding:
    """The documents on which `analyst` sees only their own tags (none: they see every tag)."""

    analyst: str | None = None
    documents: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return bool(self.documents)

    def hides(self, document_id: str | None, tag_analyst: str | None) -> bool:
        """Whether a tag by `tag_analyst` in `document_id` is hidden from this reader."""
        return document_id in self.documents and tag_analyst != self.analyst

    def visible_condition(self) -> ColumnElement[bool] | None:
        """The tags this reader may see, as a condition on Annotation; None: every tag."""
        if not self.documents:
            return None
        return or_(
            col(Annotation.document_id).not_in(sorted(self.documents)),
            col(Annotation.analyst) == self.analyst,
        )


SEES_ALL = Blinding()
"""A reader who codes nothing (or the command line): every tag is visible."""


def show_others_when_done(session: Session) -> bool:
    """The team's setting: whether a coder sees the others' tags once they marked it done."""
    value = session.get(TeamSetting, SHOW_OTHERS_WHEN_DONE)
    return value is None or value.value == "true"


def blinding_for(session: Session, username: str | None) -> Blinding:
    """The blinding of the reader `username` (None, a visitor: nothing is hidden). One query
    when they have no assignment, two when they have one."""
    if username is None:
        return SEES_ALL
    assignments = session.exec(
        select(Assignment.document_id, Assignment.done_at).where(Assignment.analyst == username)
    ).all()
    if not assignments:
        return SEES_ALL
    reveal = show_others_when_done(session)
    hidden = frozenset(
        document_id for document_id, done_at in assignments if done_at is None or not reveal
    )
    return Blinding(username, hidden)


def layer_condition(layer: Layer) -> ColumnElement[bool] | None:
    """The tags of `layer`, as a condition on Annotation; None: every tag."""
    if layer is Layer.adjudicated:
        return col(Annotation.adjudicated).is_(True)
    return None
