"""One set of tag filters for the matrix, the networks and the CSV of tags: each filter narrows
every one of them alike, and each refuses the same mistakes in the same words."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import Settings
from app.main import create_app
from app.models import ActorCreate, Document
from app.services.actors import create_actor
from tests.accounts import ADMIN, sign_in_as
from tests.maps import FilterMap, build_filter_map
from tests.markup import one

Params = dict[str, str]


@pytest.fixture
def filtered(seeded_db_url: str) -> Iterator[tuple[TestClient, FilterMap]]:
    """The six tags of `build_filter_map`, through the app, signed in as the admin."""
    app = create_app(Settings(database_url=seeded_db_url))
    with Session(app.state.engine) as session:
        built = build_filter_map(session)
    with sign_in_as(TestClient(app), ADMIN) as client:
        yield client, built


def matrix_tags(client: TestClient, params: Params) -> int:
    answer = client.get("/api/matrix", params=params)
    assert answer.status_code == 200, answer.text
    return sum(cell["tags"] for cell in answer.json()["cells"])


def csv_rows(client: TestClient, params: Params) -> list[dict[str, str]]:
    answer = client.get("/api/export/csv", params=params)
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text, newline="")))


def network_json(client: TestClient, params: Params) -> dict[str, Any]:
    answer = client.get("/api/networks", params={"kind": "two-mode", **params})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def network_file_statements(client: TestClient, params: Params) -> int:
    """The actors' statements in the node list of the two-mode network's file."""
    answer = client.get(
        "/api/networks/file", params={"kind": "two-mode", "format": "nodes.csv", **params}
    )
    assert answer.status_code == 200, answer.text
    nodes = csv.DictReader(io.StringIO(answer.text, newline=""))
    return sum(int(node["statements"]) for node in nodes if node["type"] == "actor")


# (filters, tags they let through, statements those tags make); see build_filter_map: t5,
# in an undated document, makes a statement whenever undated documents count.
CASES: list[tuple[Params, int, int]] = [
    ({}, 6, 5),
    ({"document": "A"}, 2, 2),
    ({"outlet": "the LEDGER"}, 3, 3),
    ({"analyst": "Ben"}, 2, 2),
    ({"actor": "zelensky"}, 2, 2),
    ({"position": "ukraine"}, 2, 2),
    ({"topic": "nato"}, 3, 3),
    ({"topic": "territory"}, 3, 2),
    ({"since": "2025-08-15"}, 4, 3),
    ({"until": "2025-08-15"}, 3, 3),
    ({"since": "2025-08-15", "undated": "false"}, 3, 2),
    ({"undated": "false"}, 5, 4),
    ({"actor": "lavrov", "until": "2025-08-15"}, 2, 2),
    ({"outlet": "Morning Post", "position": "russia"}, 2, 1),
    ({"analyst": "nobody at all"}, 0, 0),
    ({"document": "", "outlet": " ", "actor": "", "since": "", "until": ""}, 6, 5),
]


@pytest.mark.parametrize(
    ("params", "tags", "statements"),
    CASES,
    ids=["-".join(f"{k}={v}" for k, v in params.items()) or "none" for params, _, _ in CASES],
)
def test_each_filter_narrows_the_matrix_the_networks_and_the_csv_alike(
    filtered: tuple[TestClient, FilterMap], params: Params, tags: int, statements: int
) -> None:
    client, built = filtered
    if "document" in params and params["document"]:
        params = params | {"document": built.documents[params["document"]]}

    assert matrix_tags(client, params) == tags
    assert len(csv_rows(client, params)) == tags
    network = network_json(client, params)
    # Every tag that passes makes a statement or is counted as left out, and why.
    assert network["statements"] + sum(network["left_out"].values()) == tags
    assert network["statements"] == statements
    assert network_file_statements(client, params) == statements


def test_the_actor_filter_takes_the_tags_naming_the_actor(
    filtered: tuple[TestClient, FilterMap],
) -> None:
    client, built = filtered
    rows = csv_rows(client, {"actor": "lavrov"})
    assert {row["tag_id"] for row in rows} == {built.tags[t] for t in ("t1", "t3", "t5")}
    assert {row["actor_name"] for row in rows} == {"Sergey Lavrov"}
    cell = client.get(
        "/api/matrix/cell", params={"position": "russia", "topic": "nato", "actor": "lavrov"}
    ).json()
    assert {p["annotation"] for p in cell["passages"]} == {built.tags["t1"], built.tags["t5"]}
    assert cell["filters"]["actor"] == "lavrov"
    network = network_json(client, {"actor": "lavrov"})
    labels = {node["label"] for node in network["networks"][0]["nodes"]}
    assert "Volodymyr Zelensky" not in labels and "Sergey Lavrov" in labels


def test_the_networks_hear_an_author_the_matrix_and_csv_see_tags_naming_nobody(
    filtered: tuple[TestClient, FilterMap],
) -> None:
    client, built = filtered
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as session:
        document = session.get_one(Document, built.documents["B"])
        document.author = "Maria Zakharova"
        session.add(document)
        session.commit()
        create_actor(session, ActorCreate(key="zakharova", name="Maria Zakharova"), "Ana")
    params = {"actor": "zakharova"}

    # t6 supports the Russian position in B and names nobody: it speaks for B's author.
    assert network_json(client, params)["statements"] == 1
    assert network_file_statements(client, params) == 1
    # The matrix and the CSV show what the tags say: none of them names her.
    assert matrix_tags(client, params) == 0
    assert csv_rows(client, params) == []


# Each route that takes the tag filters, with what else it needs.
ENDPOINTS: list[tuple[str, Params]] = [
    ("/api/matrix", {}),
    ("/api/matrix/cell", {"position": "russia", "topic": "nato"}),
    ("/api/networks", {}),
    ("/api/networks/file", {}),
    ("/api/export/csv", {}),
]


@pytest.mark.parametrize(("path", "needed"), ENDPOINTS)
def test_an_unknown_actor_is_not_found_in_words(
    filtered: tuple[TestClient, FilterMap], path: str, needed: Params
) -> None:
    client, _ = filtered
    answer = client.get(path, params={"actor": "putin", **needed})
    assert answer.status_code == 404
    assert answer.json()["detail"] == "There is no actor with the key 'putin'."


@pytest.mark.parametrize(("path", "needed"), ENDPOINTS)
def test_a_date_range_ending_before_it_starts_is_refused_in_words(
    filtered: tuple[TestClient, FilterMap], path: str, needed: Params
) -> None:
    client, _ = filtered
    answer = client.get(path, params={"since": "2025-08-20", "until": "2025-08-01", **needed})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "The date range ends (2025-08-01) before it starts (2025-08-20)."
    )
    assert matrix_tags(client, {}) == 6  # nothing changed


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "20250810"}, "since: '20250810' is not a date (YYYY-MM-DD)."),
        ({"until": "2025-02-30"}, "until: '2025-02-30' is not a date (YYYY-MM-DD)."),
        ({"position": "martians"}, "There is no position with the key 'martians'."),
        ({"topic": "weather"}, "There is no topic with the key 'weather'."),
        ({"document": "nowhere"}, "There is no document with the id 'nowhere'."),
    ],
)
def test_every_view_refuses_the_same_mistakes_alike(
    filtered: tuple[TestClient, FilterMap], params: Params, message: str
) -> None:
    client, _ = filtered
    for path in ("/api/matrix", "/api/networks", "/api/networks/file", "/api/export/csv"):
        answer = client.get(path, params=params)
        assert answer.status_code in (404, 422), (path, answer.text)
        assert answer.json()["detail"] == message, path


@pytest.mark.parametrize(
    "params",
    [{"actor": "x" * 65}, {"position": "x" * 65}, {"topic": "x" * 65}, {"until": "x" * 11}],
)
def test_the_filters_are_bounded_everywhere(
    filtered: tuple[TestClient, FilterMap], params: Params
) -> None:
    client, _ = filtered
    for path, needed in ENDPOINTS:
        assert client.get(path, params=needed | params).status_code == 422, path


def test_the_api_describes_the_same_filters_on_every_route(
    filtered: tuple[TestClient, FilterMap],
) -> None:
    client, _ = filtered
    paths = client.get("/openapi.json").json()["paths"]
    names = {"document", "outlet", "analyst", "actor", "position", "topic", "since", "until"}
    for path in ("/api/matrix", "/api/networks", "/api/networks/file", "/api/export/csv"):
        parameters = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert names | {"undated"} <= set(parameters), path
        assert parameters["actor"]["schema"]["maxLength"] == 64
        assert parameters["since"]["schema"]["anyOf"][1]["format"] == "date"
        assert {"404", "422"} <= set(paths[path]["get"]["responses"]), path
    cell = {p["name"] for p in paths["/api/matrix/cell"]["get"]["parameters"]}
    # The cell names its position and topic; the other filters are the matrix's.
    assert names <= cell and [p for p in cell if p == "position"] == ["position"]


def test_the_matrix_form_offers_the_actors_and_keeps_the_choice(
    filtered: tuple[TestClient, FilterMap],
) -> None:
    client, _ = filtered
    page = BeautifulSoup(
        client.get("/matrix", params={"actor": "zelensky", "topic": "nato"}).text, "html.parser"
    )
    options = page.select("select[name=actor] option")
    assert [o.get_text() for o in options] == ["Any actor", "Sergey Lavrov", "Volodymyr Zelensky"]
    assert one(page, "select[name=actor] option[selected]")["value"] == "zelensky"
    assert one(page, "select[name=topic] option[selected]")["value"] == "nato"
    assert one(page, "select[name=position] option[value='']").get_text() == "All positions"
    cell = one(page, "td[data-position=ukraine][data-topic=nato]")
    assert one(cell, ".cell-counts").get_text() == "1 states"
    link = str(one(cell, "a.cell-open")["href"])
    assert "actor=zelensky" in link and link.count("topic=") == 1
    assert client.get(link, headers={"HX-Request": "true"}).status_code == 200


def test_the_csv_and_network_file_names_carry_the_filters(
    filtered: tuple[TestClient, FilterMap],
) -> None:
    client, _ = filtered
    params = {"actor": "lavrov", "since": "2025-08-01", "undated": "false", "download": "1"}
    disposition = client.get("/api/export/csv", params=params).headers["content-disposition"]
    assert "argument-map-tags-actor-lavrov-since-2025-08-01-undated-false-" in disposition
    network = client.get("/api/networks/file", params=params)
    assert (
        "-claims-actor-lavrov-since-2025-08-01-undated-false-"
        in (network.headers["content-disposition"])
    )
