"""A synthetic corpus for measuring the app at size, written straight into a database.

Deterministic (a fixed seed gives the same rows, ids included): 2,000 documents, 100,000
passages, 20,000 claims with their stances, 10,000 relations, 300 actors and 500,000
annotations at scale 1, plus a few users. Passage texts are sentences drawn from a fixed
vocabulary, so that search and rendering see something like prose. One document
(`FEATURED_TITLE`) has exactly 200 passages and 1,000 annotations, for measuring the document
view. Documents are published over a year (one a day, round the year), so that date filters
and moving windows have something to cut.

Every annotation with a claim (a fifth of them) also names an actor, so that a fifth of the
tags make statements for the discourse networks. The actors (states, organizations and
persons, with aliases, some with a parent actor and a position) and the choice of each tag's
actor come from a random generator of their own, so the other rows are the same as before the
actors were added.

Rows go in with Core executemany in large batches on one connection, not through the API or
the ORM, and no history is written for them (as if they came from before the history existed).

    .venv/bin/python benchmarks/generate_corpus.py DATABASE_URL_OR_SQLITE_FILE \
        [--scale 0.1] [--seed 1]
"""

import argparse
import hashlib
import random
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from app.db import make_engine, migrate  # noqa: E402
from app.models import (  # noqa: E402
    Actor,
    Annotation,
    Claim,
    ClaimStance,
    Document,
    Passage,
    Position,
    Relation,
    Role,
    Topic,
    User,
    document_id_for,
    passage_id_for,
)

DOCUMENTS = 2_000
PASSAGES = 100_000
CLAIMS = 20_000
RELATIONS = 10_000
ANNOTATIONS = 500_000
ACTORS = 300  # a tenth states, a quarter organizations, the rest persons
FEATURED_PASSAGES = 200
FEATURED_ANNOTATIONS = 1_000
FEATURED_TITLE = "Benchmark: the featured document"
INSERT_BATCH = 10_000
T0 = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)

POSITIONS = ("russia", "ukraine", "us", "europe", "china", "turkey")
COLOURS = ("#b22222", "#1f5fbf", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f")
TOPICS = (
    "territory",
    "nato",
    "ceasefire",
    "sanctions",
    "energy",
    "grain",
    "refugees",
    "reconstruction",
)
# Users made by the generator; the benchmark signs in as the first.
USERS = (("bench-admin", Role.admin), ("bench-alice", Role.analyst), ("bench-bob", Role.analyst))
ANALYSTS = tuple(name for name, _role in USERS)
# Argon2 hash of no password anyone knows: the benchmark signs in with sessions and tokens.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$YmVuY2htYXJr$disabled"

VOCABULARY = """
the a of to and in that is for on with as was by at it from are be this which or have has an
not but were their they its been also had more would will one about after two all than other
said some into could over new first them there any only years people time government war peace
talks minister president foreign security troops border region ceasefire agreement negotiations
sanctions energy gas oil grain exports ports sea black coast front line offensive defence army
military aid weapons missiles drones air strikes civilians refugees cities villages towns winter
summer spring autumn officials diplomats envoy summit meeting conference capital parliament vote
election coalition opposition alliance member states union treaty guarantees neutrality status
territory annexation referendum occupation withdrawal reconstruction funds loans budget economy
inflation markets prices supply chains shipping insurance corridor inspection monitors mission
observers report evidence claims denied confirmed according sources analysts experts warned argued
suggested insisted rejected accepted proposed demanded offered agreed refused signalled promised
cautious optimistic sceptical divided united firm flexible limited broad lasting temporary fragile
durable formal informal direct indirect secret public early late slow rapid gradual sudden
""".split()
CLOSERS = ("", " according to officials", " analysts said", " the report argued", "")
# Bumped whenever the rows change, so that a cached corpus of an older shape is not reused.
CORPUS_VERSION = 2

# Names for the actor registry (made up; combined, they give every actor a distinct name).
STATE_NAMES = """
Avaria Borvia Calmora Dastria Elvonia Ferland Galdova Hestria Iskaria Jovania Kelmar Lurovia
Marvonia Nestoria Ostrava Pelaria Quentia Rovania Sarmatia Tervia Ulmaria Valdora Westmark
Xandria Yarovia Zemlia Aldovia Brestania Corvinia Drevonia
""".split()
BODIES = (
    ("Ministry of Foreign Affairs", "MFA"),
    ("Ministry of Defence", "MoD"),
    ("Parliament", "Parl"),
    ("Presidential Office", "PO"),
    ("National Security Council", "NSC"),
    ("Energy Agency", "NEA"),
)
COALITIONS = (
    ("Northern Alliance", "NA"),
    ("Council of Coastal States", "CCS"),
    ("Grain Exporters' Forum", "GEF"),
    ("Eastern Development Bank", "EDB"),
    ("Observer Mission", "OM"),
    ("Union of Free Ports", "UFP"),
)
GIVEN_NAMES = """
Anna Boris Clara Dmitri Elena Felix Greta Henrik Irina Jonas Katya Lukas Maria Nikolai Olga
Pavel Rosa Stefan Tanya Viktor Yulia Zoran Ada Bruno Carla Dario Eva Filip Ilse Karel
""".split()
FAMILY_NAMES = """
Adler Baranov Castell Dragan Eklund Fischer Gromov Havel Ivanic Janssen Kovac Lindqvist Morozov
Novak Orlov Petrov Quist Rinaldi Sokol Tamm Urban Volkov Weber Yilmaz Zorin Berg Horvat Kral
""".split()


@dataclass
class Corpus:
    """What was generated (ids the benchmark needs), and the counts."""

    featured_document_id: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def sentence(rng: random.Random, low: int = 8, high: int = 24) -> str:
    words = rng.choices(VOCABULARY, k=rng.randint(low, high))
    return " ".join(words).capitalize() + rng.choice(CLOSERS) + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))


def random_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def split_evenly(total: int, parts: int, rng: random.Random, low: int) -> list[int]:
    """`parts` counts of at least `low` (when possible) summing to `total`, unevenly spread."""
    if parts <= 0:
        return []
    base = max(min(low, total // parts), 0)
    counts = [base] * parts
    for _ in range(total - base * parts):
        counts[rng.randrange(parts)] += 1
    return counts


def make_actors(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` actors, parents before their members: states, then organizations (a state's
    bodies, with the state as parent, and coalitions), then persons (most with a parent body);
    aliases as texts name them; some belong to a position."""
    n_states = min(len(STATE_NAMES), max(2, count // 10))
    n_organizations = max(2, count // 4)
    n_persons = max(1, count - n_states - n_organizations)
    actors: list[dict[str, Any]] = []

    def add(key: str, name: str, kind: str, aliases: list[str], parent: str | None) -> None:
        position = rng.choice(POSITIONS) if rng.random() < {"state": 0.8}.get(kind, 0.4) else None
        actors.append(
            {
                "key": key,
                "name": name,
                "kind": kind,
                "parent_key": parent,
                "position_key": position,
                "aliases": aliases,
                "description": f"A generated {kind} of the benchmark corpus.",
                "example": False,
                "version": 1,
                "created_by": ANALYSTS[0],
                "created_at": T0,
                "updated_at": T0,
            }
        )

    states = STATE_NAMES[:n_states]
    for state in states:
        add(f"state-{state.lower()}", f"Republic of {state}", "state", [state], None)
    for o in range(n_organizations):
        if o % 3 < 2:  # a state's body
            state = states[o % len(states)]
            body, short = BODIES[(o // len(states)) % len(BODIES)]
            name = f"{body} of {state}"
            if o >= len(states) * len(BODIES):
                name += f" ({o})"
            add(
                f"org-{o:03d}", name, "organization", [f"{state} {short}"], f"state-{state.lower()}"
            )
        else:
            body, short = COALITIONS[o % len(COALITIONS)]
            add(f"org-{o:03d}", f"{body} {o:03d}", "organization", [f"{short} {o:03d}"], None)
    organizations = [actor["key"] for actor in actors if actor["kind"] == "organization"]
    for p in range(n_persons):
        given = GIVEN_NAMES[p % len(GIVEN_NAMES)]
        family = FAMILY_NAMES[(p // len(GIVEN_NAMES) + p) % len(FAMILY_NAMES)]
        name = f"{given} {family}" if p < len(GIVEN_NAMES) * len(FAMILY_NAMES) else f"{given} {p}"
        member_of = rng.choice(organizations) if rng.random() < 0.7 else None
        add(f"person-{p:03d}", name, "person", [f"{given[0]}. {family}"], member_of)
    return actors


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for index in range(0, len(rows), INSERT_BATCH):
        yield rows[index : index + INSERT_BATCH]


def _insert(connection: Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    for batch in _batches(rows):
        connection.execute(insert(model), batch)


def generate(url: str, scale: float = 1.0, seed: int = 1, quiet: bool = False) -> Corpus:
    """Migrate the (empty) database at `url` and fill it; returns the featured document's id."""
    started = time.perf_counter()
    rng = random.Random(seed)
    migrate(url)
    engine = make_engine(url)
    n_documents = max(2, round(DOCUMENTS * scale))
    n_passages = max(FEATURED_PASSAGES + 2 * (n_documents - 1), round(PASSAGES * scale))
    n_claims = max(10, round(CLAIMS * scale))
    n_relations = min(max(5, round(RELATIONS * scale)), n_claims * (n_claims - 1) // 2)
    n_annotations = max(FEATURED_ANNOTATIONS + n_documents, round(ANNOTATIONS * scale))
    n_actors = max(20, round(ACTORS * scale))
    # The actors and each tag's actor come from a generator of their own, so that the rows
    # drawn from `rng` are the same as before there were actors.
    actor_rng = random.Random(f"actors-{seed}")
    corpus = Corpus()

    with engine.connect() as connection:
        if connection.execute(select(func.count()).select_from(Document)).scalar_one():
            raise SystemExit(f"{url}: the database is not empty")

    positions = [
        {
            "key": key,
            "name": key.title(),
            "colour": COLOURS[i],
            "ordinal": i,
            "created_at": T0,
            "updated_at": T0,
        }
        for i, key in enumerate(POSITIONS)
    ]
    topics = [
        {
            "key": key,
            "name": key.title(),
            "description": f"Everything about {key}.",
            "created_at": T0,
            "updated_at": T0,
        }
        for key in TOPICS
    ]
    users = [
        {
            "username": name,
            "display_name": name.replace("bench-", "").title(),
            "password_hash": PASSWORD_HASH,
            "role": role.value,
            "created_at": T0,
        }
        for name, role in USERS
    ]

    # Documents and passages: the featured one first, the rest share the other passages.
    per_document = [FEATURED_PASSAGES] + split_evenly(
        n_passages - FEATURED_PASSAGES, n_documents - 1, rng, low=2
    )
    documents: list[dict[str, Any]] = []
    passages: list[dict[str, Any]] = []
    passage_ranges: list[tuple[int, int]] = []  # each document's slice of `passages`
    for d, count in enumerate(per_document):
        texts = [sentence(rng, 4, 10).rstrip(".")] + [paragraph(rng) for _ in range(count - 1)]
        original = "\n\n".join(texts) + "\n"
        sha256 = hashlib.sha256(original.encode("utf-8")).hexdigest()
        document_id = document_id_for(sha256)
        created = T0 + timedelta(minutes=d)
        documents.append(
            {
                "id": document_id,
                "title": FEATURED_TITLE if d == 0 else texts[0],
                "outlet": rng.choice(("The Ledger", "Morning Post", "Wire", None)),
                "author": None,
                "published": (T0 + timedelta(days=d % 365)).date(),
                "url": f"https://example.org/articles/{d}",
                "original_text": original,
                "sha256": sha256,
                "source_name": f"article-{d:05d}.txt",
                "created_at": created,
                "updated_at": created,
                "created_by": ANALYSTS[0],
            }
        )
        first = len(passages)
        offset = 0
        for p, text in enumerate(texts):
            stop = offset + len(text)
            passages.append(
                {
                    "id": passage_id_for(document_id, offset, stop),
                    "document_id": document_id,
                    "ordinal": p,
                    "kind": "heading" if p == 0 else "paragraph",
                    "text": text,
                    "start": offset,
                    "end": stop,
                }
            )
            offset = stop + 2
        passage_ranges.append((first, len(passages)))
    corpus.featured_document_id = documents[0]["id"]

    # Claims, two stances each at most, and relations between distinct pairs.
    claims: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = []
    for c in range(n_claims):
        created = T0 + timedelta(days=10, seconds=c)
        claim_id = random_id(rng)
        claims.append(
            {
                "id": claim_id,
                "text": sentence(rng, 6, 16),
                "topic_key": rng.choice([*TOPICS, None]),
                "note": "",
                "analyst": rng.choice(ANALYSTS),
                "created_at": created,
                "updated_at": created,
            }
        )
        for position in rng.sample(POSITIONS, rng.randint(1, 2)):
            stances.append(
                {
                    "claim_id": claim_id,
                    "position_key": position,
                    "stance": rng.choice(("holds", "holds", "rejects")),
                }
            )
    relations: list[dict[str, Any]] = []
    linked: set[tuple[str, str]] = set()
    while len(relations) < n_relations:
        source, target = rng.sample(claims, 2)
        pair = (source["id"], target["id"])
        if pair in linked or pair[::-1] in linked:
            continue
        linked.add(pair)
        created = T0 + timedelta(days=20, seconds=len(relations))
        evidence = passages[rng.randrange(len(passages))]["id"] if rng.random() < 0.3 else None
        relations.append(
            {
                "id": random_id(rng),
                "source_id": pair[0],
                "target_id": pair[1],
                "kind": rng.choice(("supports", "attacks")),
                "note": "",
                "evidence_passage_id": evidence,
                "analyst": rng.choice(ANALYSTS),
                "created_at": created,
                "updated_at": created,
            }
        )

    # Actors, and how often each is quoted: a few speak a lot, most now and then.
    actors = make_actors(n_actors, actor_rng)
    actor_keys = [actor["key"] for actor in actors]
    actor_rng.shuffle(actor_keys)
    actor_weights = list(accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(actor_keys))))

    # Annotations: the featured document gets exactly its share, the rest fall at random.
    featured_end = passage_ranges[0][1]
    annotations: list[dict[str, Any]] = []
    for number in range(n_annotations):
        if number < FEATURED_ANNOTATIONS:
            passage = passages[1 + number % (featured_end - 1)]  # not on the heading
        else:
            passage = passages[rng.randrange(featured_end, len(passages))]
        text = passage["text"]
        start: int | None = None
        end = None
        quote: str | None = None
        if rng.random() < 0.5 and len(text) > 20:
            start = rng.randrange(0, len(text) // 2)
            end = rng.randrange(start + 5, len(text))
            quote = text[start:end]
        created = T0 + timedelta(days=30, milliseconds=number * 37)
        # Drawn from `rng` in the order they always were, so the rows stay the same.
        tag_id = random_id(rng)
        position = rng.choice(POSITIONS)
        kind = rng.choice(("states", "states", "supports", "opposes"))
        topic = rng.choice([*TOPICS, None, None])
        note = sentence(rng, 3, 10) if rng.random() < 0.2 else ""
        claim: str | None = rng.choice(claims)["id"] if rng.random() < 0.2 else None
        # Every tag with a claim names who said it (drawn apart from `rng`, see above).
        actor_key = actor_rng.choices(actor_keys, cum_weights=actor_weights)[0] if claim else None
        annotations.append(
            {
                "id": tag_id,
                "document_id": passage["document_id"],
                "passage_id": passage["id"],
                "start": start,
                "end": end,
                "quote": quote,
                "position_key": position,
                "kind": kind,
                "topic_key": topic,
                "note": note,
                "claim_id": claim,
                "actor_key": actor_key,
                "analyst": rng.choice(ANALYSTS),
                "created_at": created,
                "updated_at": created,
            }
        )
    built = time.perf_counter() - started

    with engine.begin() as connection:
        for model, rows in (
            (Position, positions),
            (Topic, topics),
            (User, users),
            (Document, documents),
            (Passage, passages),
            (Claim, claims),
            (ClaimStance, stances),
            (Relation, relations),
            (Actor, actors),
            (Annotation, annotations),
        ):
            _insert(connection, model, rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    corpus.counts = {
        "documents": len(documents),
        "passages": len(passages),
        "claims": len(claims),
        "stances": len(stances),
        "relations": len(relations),
        "actors": len(actors),
        "annotations": len(annotations),
        "with actor and claim": sum(1 for a in annotations if a["actor_key"]),
        "users": len(users),
    }
    if not quiet:
        total = time.perf_counter() - started
        counts = ", ".join(f"{n:,} {name}" for name, n in corpus.counts.items())
        print(f"generated {counts} in {total:.1f} s ({built:.1f} s building rows)")
    return corpus


def database_url(target: str) -> str:
    """A URL as given, or a SQLite URL for a file path."""
    return target if "://" in target else f"sqlite:///{Path(target).resolve()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="a SQLAlchemy URL, or the path of a new SQLite file")
    parser.add_argument("--scale", type=float, default=1.0, help="1 is the full size (default)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = generate(database_url(args.database), args.scale, args.seed)
    print(f"featured document: {corpus.featured_document_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
