"""The actor registry's rules that need no HTTP: which actors a text names."""

from sqlmodel import Session

from app.models import ActorCreate
from app.services import actors


def test_suggestions_match_whole_names_in_any_case_in_order_of_appearance(
    session: Session,
) -> None:
    for key, name, aliases in (
        ("lavrov", "Sergey Lavrov", ["Lavrov"]),
        ("trump", "Donald Trump", ["Trump"]),
        ("eu", "European Union", ["EU", "Brussels"]),
        ("un", "United Nations", ["UN"]),
    ):
        actors.create_actor(session, ActorCreate(key=key, name=name, aliases=aliases), None)
    text = "TRUMP met Lavrov's deputy; Brussels (the eu) was not asked. Trumpet players, unite."
    suggested = [actor.key for actor in actors.suggest_actors(session, text)]
    assert suggested == ["trump", "lavrov", "eu"]


def test_nothing_is_suggested_for_a_text_that_names_nobody(session: Session) -> None:
    actors.create_actor(session, ActorCreate(key="lavrov", name="Sergey Lavrov"), None)
    assert actors.suggest_actors(session, "Nobody here.") == []
