"""A document's details (title, outlet, author, date, address) changed from its page: the form
opens in place, saves through the API's own edit (history, version check), refuses bad values
in words; and the lists flag the documents that have no date."""

from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from fastapi.testclient import TestClient

from app.access import CSRF_HEADER, RULES
from tests.accounts import SESSIONS, sign_in_as
from tests.markup import one

HX = {"HX-Request": "true"}
JSON = dict[str, Any]
SCRIPT = "<script>alert(1)</script>"
DETAILS = ("title", "outlet", "author", "published", "url")


def html(response: Any, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.text
    return BeautifulSoup(response.text, "html.parser")


def undated_document(client: TestClient) -> JSON:
    document: JSON = client.get("/api/documents", params={"undated": "true"}).json()[0]
    return document


def stored(client: TestClient, document_id: str) -> JSON:
    document: JSON = client.get(f"/api/documents/{document_id}").json()
    return document


def open_form(client: TestClient, document_id: str) -> Tag:
    fragment = html(client.get(f"/documents/{document_id}/details/edit", headers=HX))
    return one(fragment, "form.details-form")


def form_values(form: Tag) -> dict[str, str]:
    """What the browser would send for the form: every named field's value."""
    return {str(field["name"]): str(field.get("value", "")) for field in form.select("input[name]")}


def save(client: TestClient, document_id: str, **fields: Any) -> Any:
    return client.post(f"/documents/{document_id}/details", data=fields, headers=HX)


def test_the_form_opens_in_place_with_the_current_details_and_version(
    seeded_client: TestClient,
) -> None:
    document = undated_document(seeded_client)
    url = f"/api/documents/{document['id']}"
    changed = seeded_client.patch(
        url, json={"outlet": f"The {SCRIPT} Times", "author": "A. Writer", "version": 1}
    )
    assert changed.status_code == 200, changed.text

    response = seeded_client.get(f"/documents/{document['id']}/details/edit", headers=HX)
    fragment = html(response)
    assert fragment.find("html") is None, "htmx gets the fragment alone"
    component = one(fragment, "#document-details")
    assert component["hx-target"] == "this" and component["hx-swap"] == "outerHTML"
    form = one(component, "form.details-form")
    assert form["hx-post"] == f"/documents/{document['id']}/details"
    values = form_values(form)
    assert values["version"] == "2"
    assert values["outlet"] == f"The {SCRIPT} Times" and values["author"] == "A. Writer"
    assert values["title"] == values["published"] == values["url"] == ""
    assert values["csrf_token"] == SESSIONS["tester"][1]
    assert SCRIPT not in response.text, "user text is escaped"
    fields = [str(field["name"]) for field in form.select("input:not([type=hidden])")]
    assert fields == list(DETAILS)
    assert one(form, "input[autofocus]")["name"] == "title", "the first field takes focus"
    assert one(form, "[data-cancel]")["hx-get"] == f"/documents/{document['id']}/details"
    assert form.has_attr("data-escape-cancels")
    assert one(form, "input[name=title]")["maxlength"] == "500"


def test_the_page_includes_the_details_and_its_edit_control(seeded_client: TestClient) -> None:
    document = undated_document(seeded_client)
    page = html(seeded_client.get(f"/documents/{document['id']}"))
    details = one(page, "header.doc-head #document-details")
    control = one(details, "[data-edit-details]")
    assert control["hx-get"] == f"/documents/{document['id']}/details/edit"
    assert not control.has_attr("autofocus"), "a page load leaves the keyboard alone"
    assert one(details, ".no-date").get_text() == "no date"
    # Asked for without htmx, the form is shown inside the whole page.
    whole = html(seeded_client.get(f"/documents/{document['id']}/details/edit"))
    assert whole.find("html") is not None
    one(whole, "header.doc-head #document-details form.details-form")
    one(whole, "#passages .passage")


def test_saving_changes_the_details_and_records_them_in_the_history(
    seeded_client: TestClient,
) -> None:
    document = undated_document(seeded_client)
    values = form_values(open_form(seeded_client, document["id"]))
    values |= {
        "title": "  Alaska, seen from Kyiv ",
        "outlet": "Kyiv Independent",
        "published": "2025-08-16",
        "url": "https://example.org/alaska",
    }
    response = save(seeded_client, document["id"], **values)
    fragment = html(response)
    assert one(fragment, "h1").get_text() == "Alaska, seen from Kyiv"
    assert "2025-08-16" in one(fragment, "dl.meta").get_text()
    assert fragment.select(".no-date") == []
    assert "version 2" in one(fragment, "[role=status]").get_text()
    assert one(fragment, "[data-edit-details]").has_attr("autofocus"), "the keyboard stays"

    now = stored(seeded_client, document["id"])
    assert now["title"] == "Alaska, seen from Kyiv"
    assert now["outlet"] == "Kyiv Independent" and now["author"] is None
    assert now["published"] == "2025-08-16" and now["url"] == "https://example.org/alaska"
    assert now["version"] == 2
    entries = seeded_client.get(f"/api/history/document/{document['id']}").json()["entries"]
    entry = entries[0]
    assert entry["action"] == "update" and entry["actor"] == "tester"
    assert entry["version"] == 2
    assert entry["after"]["published"] == "2025-08-16" and entry["before"]["published"] is None

    listed = html(seeded_client.get("/documents"))
    row = next(r for r in listed.select("#document-rows tr") if document["id"] in str(r))
    assert "2025-08-16" in row.get_text() and "Alaska, seen from Kyiv" in row.get_text()


def test_an_empty_field_clears_a_detail_and_nul_is_dropped(seeded_client: TestClient) -> None:
    document = undated_document(seeded_client)
    url = f"/api/documents/{document['id']}"
    seeded_client.patch(url, json={"outlet": "Somewhere", "published": "2025-08-15", "version": 1})
    values = form_values(open_form(seeded_client, document["id"]))
    values |= {"outlet": "   ", "published": "", "author": "\x00Jane\x00 Doe"}
    html(save(seeded_client, document["id"], **values))
    now = stored(seeded_client, document["id"])
    assert now["outlet"] is None and now["published"] is None
    assert now["author"] == "Jane Doe"


def test_a_stale_version_shows_both_versions_and_saving_mine_then_works(
    seeded_client: TestClient,
) -> None:
    document = undated_document(seeded_client)
    mine = form_values(open_form(seeded_client, document["id"]))
    assert mine["version"] == "1"
    # Meanwhile someone else sets the date through the API.
    url = f"/api/documents/{document['id']}"
    theirs = seeded_client.patch(url, json={"published": "2025-08-14", "version": 1})
    assert theirs.status_code == 200

    mine |= {"published": "2025-08-16", "author": f"Mine {SCRIPT}"}
    response = save(seeded_client, document["id"], **mine)
    panel = html(response, 409)
    assert response.headers["HX-Retarget"] == "#conflict"
    assert response.headers["X-Conflict"] == "version"
    assert SCRIPT not in response.text
    assert "was changed by tester since you opened it" in one(panel, ".conflict-message").text
    assert "2025-08-16" in one(panel, ".conflict-mine").get_text()
    assert f"Mine {SCRIPT}" in one(panel, ".conflict-mine").get_text()
    assert "2025-08-14" in one(panel, ".conflict-theirs").get_text()
    assert stored(seeded_client, document["id"])["published"] == "2025-08-14"
    keep = one(panel, "[data-keep-theirs]")
    assert keep["hx-get"] == f"/documents/{document['id']}/details"
    assert keep["hx-target"] == "#document-details"

    save_mine = one(panel, "form.conflict-save")
    assert save_mine["hx-post"] == f"/documents/{document['id']}/details"
    again = form_values(save_mine)
    assert again["version"] == "2"
    html(save(seeded_client, document["id"], **again))
    now = stored(seeded_client, document["id"])
    assert now["published"] == "2025-08-16" and now["author"] == f"Mine {SCRIPT}"
    assert now["version"] == 3


REFUSED = {
    "a date in another order": ("published", "15/08/2025", "is not a date"),
    "a day that does not exist": ("published", "2025-02-30", "is not a date"),
    "a number": ("published", "0", "is not a date"),
    "words": ("published", f"yesterday {SCRIPT}", "is not a date"),
    "a script address": ("url", "javascript:alert(1)", "http:// or https://"),
    "another scheme": ("url", "ftp://example.org/a.txt", "http:// or https://"),
    "no scheme": ("url", "example.org/article", "http:// or https://"),
    "a title too long": ("title", "T" * 501, "501 characters long; it can be 500 at most"),
    "an outlet too long": ("outlet", "O" * 201, "at most"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_refused_value_comes_back_in_the_form_with_a_sentence(
    seeded_client: TestClient, case: str
) -> None:
    field, value, says = REFUSED[case]
    document = undated_document(seeded_client)
    values = form_values(open_form(seeded_client, document["id"]))
    values |= {"title": "Kept as typed", field: value}
    response = save(seeded_client, document["id"], **values)
    fragment = html(response, 422)
    assert response.headers["X-Form-Errors"] == "true", "app.js lets htmx show it"
    assert SCRIPT not in response.text
    form = one(fragment, "#document-details form.details-form")
    refused = one(form, f"input[name={field}]")
    assert refused["aria-invalid"] == "true" and refused.has_attr("autofocus")
    assert refused["value"] == value, "what was typed stays, to be corrected"
    assert one(form, "input[name=version]")["value"] == "1"
    message = one(form, f"#details-{field}-error").get_text()
    assert says in message
    assert len(form.select(".field-error")) == 1
    assert document.items() <= stored(seeded_client, document["id"]).items(), "nothing saved"


def test_a_value_past_any_detail_is_refused_briefly(seeded_client: TestClient) -> None:
    document = undated_document(seeded_client)
    values = form_values(open_form(seeded_client, document["id"])) | {"title": "x" * 100_000}
    response = save(seeded_client, document["id"], **values)
    assert response.status_code == 422
    assert len(response.text) < 2_000
    assert stored(seeded_client, document["id"])["version"] == 1


def test_a_form_without_its_version_is_refused(seeded_client: TestClient) -> None:
    document = undated_document(seeded_client)
    response = save(seeded_client, document["id"], published="2025-08-16")
    assert response.status_code == 422
    assert stored(seeded_client, document["id"])["published"] is None


@pytest.mark.parametrize("username", ["victor", "alice"])
def test_who_may_not_patch_a_document_gets_no_control_and_a_403(
    seeded_client: TestClient, username: str
) -> None:
    document = undated_document(seeded_client)
    sign_in_as(seeded_client, username)
    page = html(seeded_client.get(f"/documents/{document['id']}"))
    details = one(page, "#document-details")
    assert details.select("[data-edit-details], form") == []
    assert seeded_client.get(f"/documents/{document['id']}/details", headers=HX).is_success
    edit = seeded_client.get(f"/documents/{document['id']}/details/edit", headers=HX)
    assert edit.status_code == 403
    refused = save(seeded_client, document["id"], published="2025-08-16", version="1")
    assert refused.status_code == 403
    assert stored(seeded_client, document["id"])["published"] is None


def test_the_form_follows_the_rule_of_the_api_edit() -> None:
    api_rule = RULES[("PATCH", "/api/documents/{document_id}")]
    assert RULES[("GET", "/documents/{document_id}/details/edit")] == api_rule
    assert RULES[("POST", "/documents/{document_id}/details")] == api_rule


def test_a_save_needs_the_csrf_token_in_the_header_or_the_form(seeded_client: TestClient) -> None:
    document = undated_document(seeded_client)
    values = form_values(open_form(seeded_client, document["id"]))
    token = seeded_client.headers.pop(CSRF_HEADER)
    without = {**values, "csrf_token": "", "published": "2025-08-16"}
    assert save(seeded_client, document["id"], **without).status_code == 403
    assert stored(seeded_client, document["id"])["published"] is None
    # A plain form (no htmx) sends it in its hidden field, and is sent back to the page.
    plain = {**values, "csrf_token": token, "published": "2025-08-16"}
    response = seeded_client.post(
        f"/documents/{document['id']}/details", data=plain, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/documents/{document['id']}"
    assert stored(seeded_client, document["id"])["published"] == "2025-08-16"


# --- the lists -------------------------------------------------------------------------------


def set_date(client: TestClient, document: JSON, published: str) -> None:
    url = f"/api/documents/{document['id']}"
    response = client.patch(url, json={"published": published, "version": document["version"]})
    assert response.status_code == 200, response.text


def test_the_list_flags_and_counts_the_documents_with_no_date(seeded_client: TestClient) -> None:
    page = html(seeded_client.get("/documents"))
    notice = one(page, "[data-undated]").get_text(" ", strip=True)
    assert "4 of 5 documents have no date — set it on the document page" in notice
    rows = page.select("#document-rows tr")
    assert len(rows) == 5
    assert len(page.select("#document-rows .no-date")) == 4
    assert all(row.select("td")[3].get_text() != "unknown" for row in rows)

    undated = seeded_client.get("/api/documents", params={"undated": "true"}).json()
    for document in undated[:3]:
        set_date(seeded_client, document, "2025-08-16")
    notice = one(html(seeded_client.get("/documents")), "[data-undated]").get_text(" ", strip=True)
    assert "1 of 5 documents has no date" in notice
    set_date(seeded_client, undated[3], "2025-08-17")
    assert html(seeded_client.get("/documents")).select("[data-undated], .no-date") == []


def test_the_list_shows_only_the_documents_with_no_date_when_asked(
    seeded_client: TestClient,
) -> None:
    page = html(seeded_client.get("/documents", params={"undated": "true"}))
    rows = page.select("#document-rows tr")
    assert len(rows) == 4 and all(row.select(".no-date") for row in rows)
    assert "Showing the 4 documents with no date" in one(page, "[data-undated]").get_text()
    assert "undated=true" in one(page, "#document-rows")["hx-get"], "a refresh keeps the filter"


def test_a_viewer_is_told_who_can_set_a_date(seeded_client: TestClient) -> None:
    sign_in_as(seeded_client, "victor")
    notice = one(html(seeded_client.get("/documents")), "[data-undated]").get_text(" ", strip=True)
    assert "an admin can set it on the document page" in notice


def test_the_api_list_is_unchanged_and_filters_the_undated_when_asked(
    seeded_client: TestClient,
) -> None:
    every = seeded_client.get("/api/documents")
    assert every.headers["X-Total-Count"] == "5" and len(every.json()) == 5
    assert every.json() == seeded_client.get("/api/documents?undated=false").json()
    undated = seeded_client.get("/api/documents", params={"undated": "true", "limit": 3})
    assert undated.headers["X-Total-Count"] == "4"
    assert len(undated.json()) == 3 and all(d["published"] is None for d in undated.json())
    assert "undated=true" in undated.headers["Link"]
    assert [d["id"] for d in undated.json()] == [
        d["id"] for d in every.json() if d["published"] is None
    ][:3]
    described = seeded_client.get("/openapi.json").json()
    parameters = described["paths"]["/api/documents"]["get"]["parameters"]
    undated_parameter = next(p for p in parameters if p["name"] == "undated")
    assert "no publication date" in undated_parameter["description"]
