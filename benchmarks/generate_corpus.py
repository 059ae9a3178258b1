"""A synthetic corpus for measuring the app at size, written straight into a database.

Deterministic (a fixed seed gives the same rows, ids included): 2,000 documents, 100,000
passages, 20,000 claims with their stances, 10,000 relations and 500,000 annotations at scale 1,
plus a few users. Passage texts are sentences drawn from a fixed vocabulary, so that search and
rendering see something like prose. One document (`FEATURED_TITLE`) has exactly 200 passages
and 1,000 annotations, for measuring the document view.

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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402

from app.db import make_engine, migrate  # noqa: E402
from app.models import (  # noqa: E402
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
        annotations.append(
            {
                "id": random_id(rng),
                "document_id": passage["document_id"],
                "passage_id": passage["id"],
                "start": start,
                "end": end,
                "quote": quote,
                "position_key": rng.choice(POSITIONS),
                "kind": rng.choice(("states", "states", "supports", "opposes")),
                "topic_key": rng.choice([*TOPICS, None, None]),
                "note": sentence(rng, 3, 10) if rng.random() < 0.2 else "",
                "claim_id": rng.choice(claims)["id"] if rng.random() < 0.2 else None,
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
        "annotations": len(annotations),
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
