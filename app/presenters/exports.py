"""The Export page: every file the map can be saved as, each with the filters it honours."""

from typing import Any

from sqlmodel import Session

from app.presenters.networks import network_choices
from app.services import examples
from app.services.blinding import SEES_ALL, Blinding
from app.services.networks import NetworkKind, network_spec


def export_page_context(session: Session, blinding: Blinding = SEES_ALL) -> dict[str, Any]:
    """The choices the page's forms offer: the networks' kinds and settings, the map's
    documents, positions, topics and actors for the filters, and how much example data
    there is to leave out or include."""
    # The network form starts at the network view's defaults.
    return {
        **network_choices(session),
        "spec": network_spec(NetworkKind.congruence),
        "example_counts": examples.count_examples(session, blinding),
    }
