"""Text that could mislead a reader: control characters (NUL, ESC, C1) and bidirectional
overrides in what users type are shown as visible symbols, never sent raw; user text sits in
an element of its own direction, so right-to-left text cannot reorder the words around it;
NUL is dropped from what users type and refused in a document's text."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Annotation, Claim, Document, Position, Topic

# NUL, ESC (the start of a terminal colour code), a C1 control (NEL) and RIGHT-TO-LEFT OVERRIDE.
RAW = ("\x00", "\x1b", "\x85", "\u202e")
ESCAPE_SHOWN = "\u241b[31m"  # ␛[31m


def hostile(word: str) -> str:
    """`word` followed by characters that could hide, garble or reverse what comes after."""
    return f"{word} \x00\x1b[31m\u202e\x85 end"


@contextmanager
def stored(db_url: str) -> Iterator[Session]:
    """A session on the database the app under test uses."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def hostile_map(client: TestClient) -> dict[str, str]:
    """A small map whose every user-typed text carries control and override characters;
    returns the ids it made."""
    document = ok(
        client.post(
            "/api/documents",
            json={
                "text": "The first paragraph of the report.\n\nThe second paragraph says more.",
                "title": hostile("Hostiletitle"),
                "outlet": hostile("Hostileoutlet"),
            },
        ),
        201,
    )
    passage = ok(client.get(f"/api/documents/{document['id']}/passages"))[0]
    position = {"key": "evil", "name": hostile("Hostileposition"), "colour": "#123456"}
    ok(client.post("/api/positions", json=position), 201)
    ok(client.post("/api/topics", json={"key": "evil", "name": hostile("Hostiletopic")}), 201)
    annotation = ok(
        client.post(
            "/api/annotations",
            json={
                "passage_id": passage["id"],
                "position_key": "evil",
                "topic_key": "evil",
                "note": hostile("Hostilenote"),
            },
        ),
        201,
    )
    stances = [{"position_key": "evil", "stance": "holds"}]
    claim = ok(
        client.post(
            "/api/claims",
            json={
                "text": hostile("Hostileclaim"),
                "note": hostile("Hostileclaimnote"),
                "topic_key": "evil",
                "stances": stances,
                "annotation_ids": [annotation["id"]],
            },
        ),
        201,
    )
    other = ok(
        client.post(
            "/api/claims",
            json={"text": hostile("Hostileother"), "topic_key": "evil", "stances": stances},
        ),
        201,
    )
    relation = {
        "source_id": other["id"],
        "target_id": claim["id"],
        "kind": "supports",
        "note": hostile("Hostilerelation"),
    }
    ok(client.post("/api/relations", json=relation), 201)
    user = {
        "username": "hostile",
        "display_name": hostile("Hostileuser"),
        "password": "a long enough password",
        "role": "analyst",
    }
    ok(client.post("/api/users", json=user), 201)
    return {
        "document": document["id"],
        "passage": passage["id"],
        "claim": claim["id"],
        "annotation": annotation["id"],
    }


def pages_of(ids: dict[str, str]) -> list[str]:
    return [
        "/documents",
        f"/documents/{ids['document']}",
        f"/documents/{ids['document']}/details/edit",
        f"/passages/{ids['passage']}",
        f"/annotations/{ids['annotation']}/edit",
        "/positions",
        "/positions/evil",
        "/claims",
        f"/claims/{ids['claim']}",
        f"/claims/{ids['claim']}/summary",
        "/graph",
        "/matrix",
        "/matrix/cell?position=evil&topic=evil",
        "/search?q=Hostilenote",
        "/search?q=Hostileclaim",
        "/history",
        f"/history/claim/{ids['claim']}",
        f"/history/annotation/{ids['annotation']}",
        "/users",
    ]


def test_control_characters_in_user_text_are_shown_as_symbols_never_sent_raw(
    client: TestClient, hostile_map: dict[str, str]
) -> None:
    for url in pages_of(hostile_map):
        response = client.get(url)
        assert response.status_code == 200, url
        for char in RAW:
            assert char not in response.text, f"{url} sends {char!r} raw"
        assert f" {ESCAPE_SHOWN}\ufffd" in response.text, url


def isolating(element: Tag) -> bool:
    return element.name == "bdi" or element.get("dir") == "auto"


def test_user_text_sits_in_an_element_of_its_own_direction(
    client: TestClient, hostile_map: dict[str, str]
) -> None:
    """Every piece of user text on the page is in a <bdi> or a dir="auto" element (or in an
    inline element right inside one), so its direction cannot spill over the UI text around
    it. Form controls and the page's <title> are their own boxes and are left out."""
    marker = re.compile("Hostile[a-z]+ ")
    loose = []
    for url in pages_of(hostile_map):
        page = BeautifulSoup(client.get(url).text, "html.parser")
        found = page.find_all(string=marker)
        assert found, url
        for text in found:
            parent = text.parent
            assert parent is not None
            grandparent = parent.parent
            if parent.name in ("title", "option", "textarea") or isolating(parent):
                continue
            if grandparent is not None and isolating(grandparent):
                continue
            where = f"{parent.name}.{parent.get('class')}"
            loose.append(f"{url}: {str(text).strip()[:40]!r} in {where}")
    assert loose == []


def test_nul_is_dropped_from_what_users_type(
    client: TestClient, hostile_map: dict[str, str], db_url: str
) -> None:
    with stored(db_url) as session:
        claim = session.get_one(Claim, hostile_map["claim"])
        assert claim.text == "Hostileclaim \x1b[31m\u202e\x85 end"
        assert claim.note == "Hostileclaimnote \x1b[31m\u202e\x85 end"
        annotation = session.get_one(Annotation, hostile_map["annotation"])
        assert annotation.note == "Hostilenote \x1b[31m\u202e\x85 end"
        assert session.get_one(Position, "evil").name == "Hostileposition \x1b[31m\u202e\x85 end"
        assert session.get_one(Topic, "evil").name == "Hostiletopic \x1b[31m\u202e\x85 end"
        document = session.get_one(Document, hostile_map["document"])
        assert (document.title, document.outlet) == (
            "Hostiletitle \x1b[31m\u202e\x85 end",
            "Hostileoutlet \x1b[31m\u202e\x85 end",
        )
        version = claim.version
    edited = client.patch(
        f"/api/claims/{hostile_map['claim']}",
        json={"text": "\x00", "version": version},
    )
    assert edited.status_code == 422, "a text of only NUL is blank"


def test_nul_is_dropped_from_the_text_of_a_split_claim(
    client: TestClient, hostile_map: dict[str, str], db_url: str
) -> None:
    passages = ok(client.get(f"/api/documents/{hostile_map['document']}/passages"))
    evidence = {"passage_id": passages[1]["id"], "position_key": "evil"}
    ok(client.post("/api/annotations", json={**evidence, "claim_id": hostile_map["claim"]}), 201)
    split = {"text": "Split\x00 off", "annotation_ids": [hostile_map["annotation"]]}
    new = ok(client.post(f"/api/claims/{hostile_map['claim']}/split", json=split), 201)
    with stored(db_url) as session:
        assert session.exec(select(Claim.text).where(Claim.id == new["id"])).one() == "Split off"


def test_a_document_text_with_nul_is_refused(client: TestClient) -> None:
    refused = client.post("/api/documents", json={"text": "Binary\x00 data"})
    assert refused.status_code == 422
    assert "NUL" in refused.text
    document = ok(client.post("/api/documents", json={"text": "A plain text."}), 201)
    replaced = client.put(
        f"/api/documents/{document['id']}/text", json={"text": "A plain\x00 text."}
    )
    assert replaced.status_code == 422
    assert "NUL" in replaced.text
    assert ok(client.get(f"/api/documents/{document['id']}"))["passages"][0]["text"] == (
        "A plain text."
    )


@pytest.mark.sqlite_only("PostgreSQL cannot store NUL at all")
def test_a_nul_stored_before_is_shown_as_a_symbol(
    client: TestClient, hostile_map: dict[str, str], db_url: str
) -> None:
    with stored(db_url) as session:
        annotation = session.get_one(Annotation, hostile_map["annotation"])
        annotation.note = "Legacy\x00note"
        session.add(annotation)
        session.commit()
    response = client.get(f"/passages/{hostile_map['passage']}")
    assert "\x00" not in response.text
    assert "Legacy\u2400note" in response.text


def test_a_document_text_is_shown_with_symbols_but_sent_back_unchanged(
    client: TestClient,
) -> None:
    """The passages show a control character as a symbol of the same length, so offsets in
    what is shown are offsets in the text; the field that sends the whole text back to be
    replaced carries it as it is."""
    text = "A report with a colour code \x1b[31m in it.\n\nAnd a second paragraph."
    document = ok(client.post("/api/documents", json={"text": text}), 201)
    page = BeautifulSoup(client.get(f"/documents/{document['id']}").text, "html.parser")
    shown = page.select_one("[data-passage-text]")
    assert shown is not None
    assert shown.get_text() == "A report with a colour code \u241b[31m in it."
    textarea = page.select_one(".replace-text textarea[name=text]")
    assert textarea is not None
    assert textarea.get_text().strip("\n") == text


def test_showing_control_characters_keeps_every_offset() -> None:
    from app.templating import show_controls

    every = "".join(chr(code) for code in range(0x3000))
    shown = show_controls(every)
    assert len(shown) == len(every)
    assert shown.count("\ufffd") == 32 + 9  # the C1 controls, the bidi embeddings and isolates
    assert shown[9:11] == "\t\n" and shown[13] == "\r"
    assert "\u2400" in shown and "\u241f" in shown and "\u2421" in shown
    assert show_controls("plain text") == "plain text"
