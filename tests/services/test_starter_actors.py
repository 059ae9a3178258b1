"""The starter actor registry (`seeds/actors.json`): the people, organizations and states the
seed articles name, loaded with the starter map as example data, and cleared with it but for
the actors the analysts' own work names."""

import json
import re
from collections import Counter

import pytest
from sqlmodel import Session, col, func, select

from app.config import PROJECT_ROOT
from app.models import (
    Actor,
    ActorCreate,
    ActorKind,
    ActorUpdate,
    AnnotationCreate,
    HistoryAction,
    HistoryEntry,
    Passage,
)
from app.services import actors, examples, tagging
from app.services.errors import Conflict

SEEDS = PROJECT_ROOT / "seeds"

# Every person the five articles name as speaking or acting (read from the texts, not from
# the news of the day: Peskov, Witkoff, Rubio, Macron, Merz, Starmer and the others who were
# at the talks are not in them). Heather Penatzer is only the byline of 004.
PERSONS = {
    # 2025
    "putin",
    "lavrov",
    "ushakov",
    "medvedev",
    "zelensky",
    "trump",
    # former officials and the historical analogies
    "biden",
    "juncker",
    "nixon",
    "kennan",
    "brezhnev",
    "gorbachev",
    "lenin",
    "benes",
}
# The governments, organizations and states they act for, and the sides the texts set
# against each other.
ACTING_FOR = {
    "russian-government",
    "russian-foreign-ministry",
    "ukrainian-government",
    "us-administration",
    "eu",
    "nato",
    "european-leaders",
    "west",
    "russia",
    "ukraine",
    "us",
    "uk",
    "france",
    "ussr",
    "czechoslovakia",
}


def registry() -> list[ActorCreate]:
    return examples.read_starter_actors(SEEDS).actors


def seed_texts() -> str:
    manifest = json.loads((SEEDS / "manifest.json").read_text(encoding="utf-8"))
    return "\n".join(
        (SEEDS / entry["file"]).read_text(encoding="utf-8") for entry in manifest["documents"]
    )


def names_in(text: str, actor: ActorCreate) -> list[str]:
    """The actor's names that occur in `text` as whole words, in any case (as the actor
    suggestions match them)."""
    return [
        name
        for name in [actor.name, *actor.aliases]
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, flags=re.IGNORECASE)
    ]


# --- the file ------------------------------------------------------------------------------


def test_every_actor_is_named_in_the_seed_texts() -> None:
    text = seed_texts()
    assert [actor.key for actor in registry() if not names_in(text, actor)] == []


def test_every_alias_is_written_so_in_the_seed_texts() -> None:
    text = seed_texts()
    unwritten = {
        actor.key: missing
        for actor in registry()
        if (missing := set(actor.aliases) - set(names_in(text, actor)))
    }
    assert unwritten == {}


def test_a_name_or_alias_means_one_actor_only() -> None:
    owners = Counter(
        name.casefold() for actor in registry() for name in {actor.name, *actor.aliases}
    )
    assert [name for name, count in owners.items() if count > 1] == []


def test_parents_come_before_their_members_and_positions_exist() -> None:
    manifest = json.loads((SEEDS / "manifest.json").read_text(encoding="utf-8"))
    positions = {position["key"] for position in manifest["positions"]}
    seen: set[str] = set()
    for actor in registry():
        assert actor.parent_key is None or actor.parent_key in seen, actor.key
        assert actor.position_key is None or actor.position_key in positions, actor.key
        seen.add(actor.key)
    assert len(seen) == len(registry())


def test_every_person_the_texts_name_as_speaking_or_acting_is_registered() -> None:
    kinds = {actor.key: actor.kind for actor in registry()}
    assert {key for key, kind in kinds.items() if kind is ActorKind.person} == PERSONS
    assert ACTING_FOR <= kinds.keys()
    assert all(actor.description for actor in registry())


def test_a_minister_belongs_to_the_government_and_the_government_to_its_state() -> None:
    by_key = {actor.key: actor for actor in registry()}

    def chain(key: str) -> list[str]:
        parent = by_key[key].parent_key
        return [key, *chain(parent)] if parent is not None else [key]

    assert chain("lavrov") == ["lavrov", "russian-foreign-ministry", "russian-government", "russia"]
    assert chain("zelensky") == ["zelensky", "ukrainian-government", "ukraine"]
    assert chain("trump") == ["trump", "us-administration", "us"]
    assert {by_key[key].position_key for key in ("putin", "zelensky", "trump")} == {
        "russia",
        "ukraine",
        "us",
    }


# --- loading -------------------------------------------------------------------------------


def count_actors(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Actor)).one()


def test_the_starter_map_loads_the_registry_as_example_data(seeded_session: Session) -> None:
    report = examples.load_starter_map(seeded_session, SEEDS)

    assert report is not None and report.actors == len(registry())
    loaded = actors.list_actors(seeded_session)
    assert {actor.key for actor in loaded} == {actor.key for actor in registry()}
    assert all(actor.example and actor.created_by == "Starter map" for actor in loaded)
    assert examples.count_examples(seeded_session).actors == len(registry())
    # Names found in a passage now suggest the actors.
    suggested = actors.suggest_actors(seeded_session, "Lavrov said Moscow and Kiev agreed.")
    assert [actor.key for actor in suggested] == [
        "lavrov",
        "russian-government",
        "ukrainian-government",
    ]


def test_loading_twice_adds_nothing(seeded_session: Session) -> None:
    examples.load_starter_map(seeded_session, SEEDS)
    before = count_actors(seeded_session)
    entries = seeded_session.exec(select(func.count()).select_from(HistoryEntry)).one()

    again = examples.load_starter_map(seeded_session, SEEDS)

    assert again is not None and again.actors == 0
    assert count_actors(seeded_session) == before
    assert seeded_session.exec(select(func.count()).select_from(HistoryEntry)).one() == entries


def test_an_actor_a_user_renamed_is_left_as_it_is(seeded_session: Session) -> None:
    examples.load_starter_actors(seeded_session, SEEDS)
    actors.update_actor(seeded_session, "putin", ActorUpdate(name="V. V. Putin"))

    assert examples.load_starter_actors(seeded_session, SEEDS) == 0
    assert actors.get_actor(seeded_session, "putin").name == "V. V. Putin"


def test_a_name_the_registry_already_gives_another_actor_adds_none(
    seeded_session: Session,
) -> None:
    actors.create_actor(
        seeded_session,
        ActorCreate(key="vvp", name="The Russian president", aliases=["Putin"]),
        "ann",
    )

    with pytest.raises(Conflict, match="'Putin' already means"):
        examples.load_starter_actors(seeded_session, SEEDS)

    assert [actor.key for actor in actors.list_actors(seeded_session)] == ["vvp"]


# --- clearing ------------------------------------------------------------------------------


def test_clearing_keeps_the_example_actors_the_analysts_work_names(
    seeded_session: Session,
) -> None:
    examples.load_starter_map(seeded_session, SEEDS)
    passage = seeded_session.exec(select(Passage).order_by(col(Passage.id))).first()
    assert passage is not None

    def tag(actor_key: str) -> str:
        data = AnnotationCreate(passage_id=passage.id, position_key="russia", actor_key=actor_key)
        return tagging.tag_passage(seeded_session, data, "alice").id

    tag("lavrov")
    tagging.remove_annotation(seeded_session, tag("medvedev"))  # removed, can come back
    actors.create_actor(
        seeded_session,
        ActorCreate(key="kuleba", name="Dmytro Kuleba", parent_key="ukrainian-government"),
        "alice",
    )
    total = len(registry())

    cleared = examples.clear_examples(seeded_session)

    # Lavrov with his ministry, government and state; Medvedev; Kyiv's government and state.
    kept = {
        "lavrov",
        "russian-foreign-ministry",
        "russian-government",
        "russia",
        "medvedev",
        "ukrainian-government",
        "ukraine",
    }
    assert (cleared.actors, cleared.kept_actors) == (total - len(kept), len(kept))
    assert "7 example actors were kept because your work refers to them" in cleared.message()
    seeded_session.expire_all()
    remaining = actors.list_actors(seeded_session)
    assert {actor.key for actor in remaining} == kept | {"kuleba"}
    assert not any(actor.example for actor in remaining)
    assert actors.get_actor(seeded_session, "lavrov").aliases == ["Lavrov"]
    assert examples.count_examples(seeded_session) == examples.ExampleCounts(0, 0, 0, 0)
    history = seeded_session.exec(select(HistoryEntry).where(HistoryEntry.item_type == "actor"))
    actions = Counter(entry.action for entry in history)
    assert actions[HistoryAction.delete] == total - len(kept)
    assert actions[HistoryAction.update] == len(kept)


def test_clearing_with_no_work_naming_them_deletes_every_example_actor(
    seeded_session: Session,
) -> None:
    examples.load_starter_map(seeded_session, SEEDS)
    actors.create_actor(seeded_session, ActorCreate(key="kuleba", name="Dmytro Kuleba"), "alice")

    cleared = examples.clear_examples(seeded_session)

    assert (cleared.actors, cleared.kept_actors) == (len(registry()), 0)
    assert "actors were kept" not in cleared.message()
    assert [actor.key for actor in actors.list_actors(seeded_session)] == ["kuleba"]
