"""How fast the graph and matrix endpoints answer for a large map.

Builds a temporary SQLite database with the seed corpus and a generated map of 2,000 claims
and 5,000 relations (each claim with two stances and two evidence tags), then times each
endpoint through the ASGI client several times and prints the medians.

    .venv/bin/python benchmarks/map_views.py [--claims 2000] [--relations 5000] [--runs 7]
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import PROJECT_ROOT, Settings  # noqa: E402
from app.db import make_engine, migrate  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import (  # noqa: E402
    Annotation,
    Claim,
    ClaimStance,
    Passage,
    Position,
    Relation,
    Topic,
    utcnow,
)
from app.services.corpus import load_seeds  # noqa: E402

ENDPOINTS = [
    ("graph, whole map", "/api/graph"),
    ("graph, one topic", "/api/graph?topic=nato"),
    ("graph, one position", "/api/graph?position=russia"),
    ("matrix (JSON)", "/api/matrix"),
    ("matrix page (HTML)", "/matrix"),
]


def build_map(url: str, claims: int, relations: int, rng: random.Random) -> None:
    """Seed corpus plus a generated map, inserted in bulk."""
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_seeds(session, PROJECT_ROOT / "seeds")
        positions = [p.key for p in session.exec(select(Position))]
        topics = [t.key for t in session.exec(select(Topic))]
        passages = [
            (p.id, p.document_id)
            for p in session.exec(select(Passage).where(Passage.kind == "paragraph"))
        ]
        now = utcnow()
        claim_ids = [str(uuid.uuid4()) for _ in range(claims)]
        session.execute(
            insert(Claim),
            [
                {
                    "id": claim_id,
                    "text": f"Generated claim {i} about {rng.choice(topics)}",
                    "topic_key": rng.choice([*topics, None]),
                    "note": "",
                    "analyst": "Benchmark",
                    "created_at": now,
                    "updated_at": now,
                }
                for i, claim_id in enumerate(claim_ids)
            ],
        )
        stances, tags = [], []
        for claim_id in claim_ids:
            for position in rng.sample(positions, 2):
                stances.append(
                    {
                        "claim_id": claim_id,
                        "position_key": position,
                        "stance": rng.choice(["holds", "holds", "rejects"]),
                    }
                )
                passage_id, document_id = rng.choice(passages)
                tag = {
                    "id": str(uuid.uuid4()),
                    "passage_id": passage_id,
                    "position_key": position,
                    "kind": rng.choice(["states", "supports", "opposes"]),
                    "note": "",
                    "claim_id": claim_id,
                    "document_id": document_id,
                    "analyst": "Benchmark",
                    "created_at": now,
                    "updated_at": now,
                }
                tags.append(tag)
        session.execute(insert(ClaimStance), stances)
        session.execute(insert(Annotation), tags)
        pairs: set[tuple[str, str]] = set()
        while len(pairs) < relations:
            source, target = rng.sample(claim_ids, 2)
            if (target, source) not in pairs:
                pairs.add((source, target))
        session.execute(
            insert(Relation),
            [
                {
                    "id": str(uuid.uuid4()),
                    "source_id": source,
                    "target_id": target,
                    "kind": rng.choice(["supports", "attacks"]),
                    "note": "",
                    "analyst": "Benchmark",
                    "created_at": now,
                    "updated_at": now,
                }
                for source, target in sorted(pairs)
            ],
        )
        session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--relations", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(20250815)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        build_map(url, args.claims, args.relations, rng)
        print(
            f"built {args.claims:,} claims, {args.relations:,} relations, "
            f"{2 * args.claims:,} evidence tags in {time.perf_counter() - started:.1f} s"
        )
        with TestClient(create_app(Settings(database_url=url))) as client:
            print(f"{'endpoint':<22} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'KB':>8}")
            for label, path in ENDPOINTS:
                timings, size = [], 0
                client.get(path)  # warm the connection pool and the templates
                for _ in range(args.runs):
                    start = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, response.text
                    size = len(response.content)
                print(
                    f"{label:<22} {statistics.median(timings):>10.1f} {min(timings):>8.1f} "
                    f"{max(timings):>8.1f} {size / 1024:>8.0f}"
                )


if __name__ == "__main__":
    main()
