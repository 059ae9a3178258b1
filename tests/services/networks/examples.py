"""Statements for the network tests, small enough to count by hand."""

from datetime import date

from app.services.networks import Agreement, Statement

H, R = Agreement.holds, Agreement.rejects


def statement(
    id: str, actor: str, concept: str, agreement: Agreement, day: int = 1, document: str = "d1"
) -> Statement:
    """A statement dated `day` January 2024."""
    return Statement(id, actor, concept, agreement, date(2024, 1, day), document)


def three_actors() -> list[Statement]:
    """A holds c1 three times and rejects c2; B holds c1 and c2; C rejects c1.

    counts      c1 holds  c1 rejects  c2 holds  c2 rejects   statements
    A               3          0          0          1            4
    B               1          0          1          0            2
    C               0          1          0          0            1
    """
    return [
        statement("1", "A", "c1", H, 1, "d1"),
        statement("2", "A", "c1", H, 2, "d1"),
        statement("3", "A", "c1", H, 3, "d2"),
        statement("4", "A", "c2", R, 4, "d2"),
        statement("5", "B", "c1", H, 5, "d3"),
        statement("6", "B", "c2", H, 6, "d3"),
        statement("7", "C", "c1", R, 7, "d4"),
    ]
