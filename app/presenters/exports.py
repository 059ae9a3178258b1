"""The Export page: every file the map can be saved as, each with the filters it honours."""

from typing import Any

from sqlmodel import Session

from app.services import actors, catalog, mapviews
from app.services.networks import Duplicates, Mode, NetworkKind, TwoModeWeight
from app.services.networks.model import ONE_MODE_NORMALIZATIONS, TWO_MODE_NORMALIZATIONS
from app.services.statements import ConceptLevel


def export_page_context(session: Session) -> dict[str, Any]:
    """The choices the page's forms offer: the map's documents, positions, topics and actors,
    and the networks' kinds and settings."""
    return {
        "documents": mapviews.document_choices(session),
        "positions": catalog.list_positions(session),
        "topics": catalog.list_topics(session),
        "actors": actors.list_actors(session),
        "kinds": list(NetworkKind),
        "modes": list(Mode),
        "one_mode_normalizations": ONE_MODE_NORMALIZATIONS,
        "two_mode_normalizations": TWO_MODE_NORMALIZATIONS,
        "two_mode_weights": list(TwoModeWeight),
        "duplicates": list(Duplicates),
        "concept_levels": list(ConceptLevel),
    }
