"""What the mapviews pages and their JSON twins show, built from the services' results."""

from typing import Any

from app.services import mapviews
from app.services.mapviews import Matrix


def cell_claim(claim: mapviews.CellClaim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "text": claim.text,
        "stance": claim.stance,
        "states": claim.states,
        "argued": claim.argued,
        "documents": sorted(claim.documents),
        "needs_review": claim.needs_review,
    }


def matrix_as_json(matrix: Matrix) -> dict[str, Any]:
    return {
        "positions": [p.key for p in matrix.positions],
        "topics": [key for key, _ in matrix.topics],
        "cells": [
            {
                "position": cell.position,
                "topic": cell.topic,
                "states": cell.states,
                "argued": cell.argued,
                "documents": cell.documents,
                "held": [cell_claim(c) for c in cell.held],
                "rejected": [cell_claim(c) for c in cell.rejected],
            }
            for cell in matrix.cells.values()
        ],
    }
