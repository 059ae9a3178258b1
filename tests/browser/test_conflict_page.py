"""Two people edit one tag: the one who saves second sees both versions side by side and
chooses, instead of silently overwriting the other."""

from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from app.access import CSRF_HEADER
from tests.accounts import ADMIN, SESSIONS
from tests.browser.conftest import signed_in_context

pytestmark = pytest.mark.browser


def csrf_header(username: str) -> dict[str, str]:
    """What an API call made with `username`'s session cookie must also send."""
    return {CSRF_HEADER: SESSIONS[username][1]}


def ok(response: Any) -> Any:
    assert response.ok, f"{response.status} {response.text()}"
    return response.json()


def open_edit_form_of_new_tag(page: Page, **fields: str) -> tuple[Any, Locator]:
    """Tag the first paragraph of the first document as the admin (through the API, with
    `fields`), open that tag's edit form on the document's page; the tag and its passage."""
    headers = csrf_header(ADMIN)
    document = ok(page.request.get("/api/documents"))[0]
    passages = ok(page.request.get(f"/api/documents/{document['id']}/passages"))
    passage = next(p for p in passages if p["kind"] == "paragraph")
    body = {"passage_id": passage["id"], **fields}
    annotation = ok(page.request.post("/api/annotations", data=body, headers=headers))
    page.goto(f"/documents/{document['id']}")
    section = page.locator(f"#p-{passage['id']}")
    section.locator(".chip-label").click()
    expect(section.locator(".tag-form")).to_be_visible()
    return annotation, section


def test_saving_over_a_change_made_meanwhile_shows_both_versions(
    page: Page, browser: Browser, live_server: str
) -> None:
    # I open the edit form of a tag of mine…
    annotation, section = open_edit_form_of_new_tag(page, position_key="russia", note="first")
    form = section.locator(".tag-form")
    expect(form).to_be_visible()
    expect(form.locator("input[name=version]")).to_have_value("1")

    # …someone else changes the tag through the API meanwhile…
    other = signed_in_context(browser, live_server, "editor")
    try:
        url = f"/api/annotations/{annotation['id']}"
        theirs = {"note": "their note", "kind": "supports", "version": 1}
        changed = other.request.patch(url, data=theirs, headers=csrf_header("editor"))
        assert ok(changed)["version"] == 2
    finally:
        other.close()

    # …and I save my edit: the panel shows both versions, nothing is overwritten.
    form.locator("input[name=note]").fill("my note")
    form.get_by_label("opposes the Russian position").check()
    form.get_by_role("button", name="Save changes").click()
    panel = page.locator("#conflict")
    expect(panel.locator(".conflict-panel")).to_be_visible()
    expect(panel.locator(".conflict-message")).to_contain_text("since you opened it")
    expect(panel.locator(".conflict-mine")).to_contain_text("my note")
    expect(panel.locator(".conflict-mine")).to_contain_text("opposes")
    expect(panel.locator(".conflict-theirs")).to_contain_text("their note")
    expect(panel.locator(".conflict-theirs")).to_contain_text("supports")
    expect(panel.locator(".conflict-theirs")).to_contain_text("version 2")
    expect(page.locator("[data-keep-theirs]")).to_be_focused()
    expect(page.locator("#toast")).to_be_hidden()
    assert ok(page.request.get(url))["note"] == "their note"

    # Saving mine over theirs goes through, the passage shows it and the panel goes.
    panel.get_by_role("button", name="Save mine over theirs").click()
    expect(panel).to_be_empty()
    expect(panel).to_be_hidden()
    expect(section.locator(".tag-form")).to_have_count(0)
    expect(section.locator(".chip-kind")).to_have_text("opposes")
    expect(section.locator(".chip-note")).to_have_attribute("title", "my note")
    stored = ok(page.request.get(url))
    assert (stored["note"], stored["kind"], stored["version"]) == ("my note", "opposes", 3)


def test_keeping_theirs_drops_my_edit_and_shows_the_tag_as_stored(page: Page) -> None:
    annotation, section = open_edit_form_of_new_tag(page, position_key="russia")
    form = section.locator(".tag-form")

    url = f"/api/annotations/{annotation['id']}"
    headers = csrf_header(ADMIN)
    ok(page.request.patch(url, data={"kind": "supports", "version": 1}, headers=headers))
    form.get_by_label("opposes the Russian position").check()
    form.get_by_role("button", name="Save changes").click()
    panel = page.locator("#conflict")
    expect(panel.locator(".conflict-theirs")).to_contain_text("supports")

    page.keyboard.press("Enter")  # the focused action: keep theirs
    expect(panel).to_be_hidden()
    expect(section.locator(".tag-form")).to_have_count(0)
    expect(section.locator(".chip-kind")).to_have_text("supports")
    assert ok(page.request.get(url))["version"] == 2
