"""Many analysts at once against a real server: nothing accepted is lost, nothing is overwritten
silently, and no request fails with a 500 or "database is locked".

The server is `python -m app.cli serve` in its own process on 127.0.0.1, on a copy of the seeded
database (SQLite, or PostgreSQL when the suite runs on it). Sixteen clients (a bounded pool) each
act as one of four users through personal API tokens: they tag the same few passages, and they
edit the same few tags, each edit based on the version it just read, so that edits race and some
must be refused with 409.
"""

import random
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

import httpx2 as httpx
import pytest
from sqlmodel import Session, col, select

from app.db import make_engine
from app.models import (
    Annotation,
    AnnotationCreate,
    ApiTokenCreate,
    HistoryEntry,
    Passage,
    PassageKind,
)
from app.services import accounts
from app.services.tagging import tag_passage
from tests.servers import served

CLIENTS = 16
OPERATIONS = 480
TAGGERS = ("alice", "bob")
EDITORS = ("editor", "tester")  # an analyst who may edit others' work, and an admin
POSITIONS = ("russia", "ukraine", "us", "europe")
KINDS = ("states", "supports", "opposes")


@dataclass
class Outcomes:
    """What the clients saw, gathered from all threads."""

    lock: Lock = field(default_factory=Lock)
    created: list[str] = field(default_factory=list)
    edits: list[tuple[str, int]] = field(default_factory=list)  # (annotation id, new version)
    refused: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)


@dataclass
class Scene:
    base_url: str
    db_url: str
    tokens: dict[str, str]
    passages: list[str]
    shared: list[str]  # the tags everyone edits


@pytest.fixture
def scene(seeded_db_url: str, tmp_path: Path) -> Iterator[Scene]:
    url = seeded_db_url
    engine = make_engine(url)
    with Session(engine) as session:
        tokens = {}
        for name in TAGGERS + EDITORS:
            user = accounts.user_by_name(session, name)
            assert user is not None
            tokens[name] = accounts.create_token(session, user, ApiTokenCreate(name="load"))[1]
        passages = list(
            session.exec(
                select(Passage.id)
                .where(Passage.kind == PassageKind.paragraph)
                .order_by(col(Passage.document_id), col(Passage.ordinal))
                .limit(4)
            )
        )
        shared = [
            tag_passage(session, AnnotationCreate(passage_id=p, position_key="us"), "alice").id
            for p in passages[:2]
        ]
    engine.dispose()

    with served(url, tmp_path / "server.log") as base_url:
        yield Scene(base_url, url, tokens, passages, shared)


def _note(outcomes: Outcomes, response: httpx.Response) -> None:
    with outcomes.lock:
        outcomes.statuses[response.status_code] += 1
        if response.status_code >= 500 or "database is locked" in response.text:
            outcomes.bad.append(f"{response.request.method} {response.url}: {response.text}")


def _tag(client: httpx.Client, scene: Scene, outcomes: Outcomes, rng: random.Random) -> None:
    body = {
        "passage_id": rng.choice(scene.passages),
        "position_key": rng.choice(POSITIONS),
        "kind": rng.choice(KINDS),
    }
    response = client.post("/api/annotations", json=body)
    _note(outcomes, response)
    if response.status_code == 201:
        with outcomes.lock:
            outcomes.created.append(response.json()["id"])
    else:
        with outcomes.lock:
            outcomes.bad.append(f"tagging answered {response.status_code}: {response.text}")


def _edit(client: httpx.Client, scene: Scene, outcomes: Outcomes, rng: random.Random) -> None:
    annotation_id = rng.choice(scene.shared)
    seen = client.get(f"/api/annotations/{annotation_id}")
    _note(outcomes, seen)
    change = {"note": f"note {rng.random():.6f}", "version": seen.json()["version"]}
    response = client.patch(f"/api/annotations/{annotation_id}", json=change)
    _note(outcomes, response)
    with outcomes.lock:
        if response.status_code == 200:
            outcomes.edits.append((annotation_id, response.json()["version"]))
        elif response.status_code == 409:
            outcomes.refused += 1
        else:
            outcomes.bad.append(f"editing answered {response.status_code}: {response.text}")


def _work(scene: Scene, outcomes: Outcomes, worker: int) -> None:
    rng = random.Random(worker)
    per_worker = OPERATIONS // CLIENTS
    clients = {
        name: httpx.Client(
            base_url=scene.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        for name, token in scene.tokens.items()
    }
    try:
        for _ in range(per_worker):
            if rng.random() < 0.5:
                _tag(clients[rng.choice(TAGGERS)], scene, outcomes, rng)
            else:
                _edit(clients[rng.choice(EDITORS)], scene, outcomes, rng)
    finally:
        for client in clients.values():
            client.close()


def test_concurrent_tagging_and_editing_loses_nothing(scene: Scene) -> None:
    outcomes = Outcomes()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(lambda worker: _work(scene, outcomes, worker), range(CLIENTS)))

    assert outcomes.bad == []
    assert set(outcomes.statuses) <= {200, 201, 409}
    assert outcomes.created and outcomes.edits
    assert outcomes.refused > 0, "the edits never raced: the test did not test conflicts"

    engine = make_engine(scene.db_url)
    with Session(engine) as session:
        stored = set(
            session.exec(select(Annotation.id).where(col(Annotation.id).in_(outcomes.created)))
        )
        assert stored == set(outcomes.created)
        history = list(
            session.exec(select(HistoryEntry).where(HistoryEntry.item_type == "annotation"))
        )
        created_in_history = {h.item_id for h in history if h.action == "create"}
        assert set(outcomes.created) <= created_in_history
        updates = Counter((h.item_id, h.version) for h in history if h.action == "update")
        # Every accepted edit is in the history once, with the version it produced ...
        assert Counter(outcomes.edits) == updates
        # ... and each shared tag went through exactly one version per accepted edit.
        for annotation_id in scene.shared:
            annotation = session.get(Annotation, annotation_id)
            assert annotation is not None
            accepted = sum(1 for a, _ in outcomes.edits if a == annotation_id)
            assert annotation.version == 1 + accepted
            assert sorted(v for a, v in outcomes.edits if a == annotation_id) == list(
                range(2, 2 + accepted)
            )
    engine.dispose()
