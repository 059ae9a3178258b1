"""Adding a position: the page and the API make the same position from the same input."""

from fastapi.testclient import TestClient

from tests.accounts import csrf_token_of


def test_a_position_added_through_the_api_comes_last_with_a_lower_case_key(
    seeded_client: TestClient,
) -> None:
    before = seeded_client.get("/api/positions").json()
    made = seeded_client.post("/api/positions", json={"key": "China", "name": "Chinese"})
    assert made.status_code == 201, made.text
    assert made.json()["key"] == "china"
    assert made.json()["ordinal"] == max(p["ordinal"] for p in before) + 1


def test_a_position_added_on_the_page_is_the_same_as_through_the_api(
    seeded_client: TestClient,
) -> None:
    page = seeded_client.get("/positions")
    seeded_client.post(
        "/positions",
        data={"key": " NATO ", "name": "NATO", "csrf_token": csrf_token_of(page.text)},
    )
    seeded_client.post("/api/positions", json={"key": "China", "name": "Chinese"})
    by_key = {p["key"]: p for p in seeded_client.get("/api/positions").json()}
    assert by_key["nato"]["ordinal"] + 1 == by_key["china"]["ordinal"]


def test_an_ordinal_given_is_kept(seeded_client: TestClient) -> None:
    made = seeded_client.post("/api/positions", json={"key": "un", "name": "UN", "ordinal": 9})
    assert made.json()["ordinal"] == 9


def test_a_position_added_after_one_at_the_last_place_also_takes_the_last_place(
    seeded_client: TestClient,
) -> None:
    last = seeded_client.post("/api/positions", json={"key": "un", "name": "UN", "ordinal": 10_000})
    assert last.status_code == 201, last.text
    made = seeded_client.post("/api/positions", json={"key": "china", "name": "Chinese"})
    assert made.status_code == 201, made.text
    assert made.json()["ordinal"] == 10_000


def test_a_position_actors_belong_to_is_kept_until_they_move(seeded_client: TestClient) -> None:
    client = seeded_client
    made = client.post("/api/positions", json={"key": "a", "name": "A side"})
    assert made.status_code == 201, made.text
    actor = {"key": "x", "name": "Actor X", "position_key": "a"}
    assert client.post("/api/actors", json=actor).status_code == 201
    refused = client.delete("/api/positions/a")
    assert refused.status_code == 409, refused.text
    assert "side of 1 actor" in refused.text
    assert client.get("/api/positions/a").status_code == 200
