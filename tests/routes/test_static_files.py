"""Static files go out compressed to browsers that accept it, and are cached for as long as
their URL names one content (app/static_files.py)."""

import re
from pathlib import Path

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.static_files import FOR_A_YEAR, REVALIDATE, static_url

STATIC = PROJECT_ROOT / "static"
GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}


def _page_assets(client: TestClient, url: str) -> list[str]:
    page = BeautifulSoup(client.get(url).text, "html.parser")
    found = [tag.get("src") or tag.get("href") for tag in page.find_all(["script", "link"])]
    return [str(src) for src in found if src and str(src).startswith("/static/")]


def test_the_pages_name_their_own_files_by_content_and_libraries_by_release(
    seeded_client: TestClient,
) -> None:
    for url in ("/documents", "/graph", "/networks", "/docs"):
        for asset in _page_assets(seeded_client, url):
            assert re.search(r"\?v=[0-9a-f]{12}$", asset) or re.search(r"-\d+\.\d+\.\d+", asset), (
                url,
                asset,
            )
    assets = _page_assets(seeded_client, "/documents")
    assert any(a.startswith("/static/app.js?v=") for a in assets)


def test_a_versioned_script_is_compressed_and_kept_a_year(seeded_client: TestClient) -> None:
    url = next(a for a in _page_assets(seeded_client, "/documents") if "app.js" in a)
    response = seeded_client.get(url, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["cache-control"] == FOR_A_YEAR
    # The client undoes the compression: the bytes are the file's.
    assert response.content == (STATIC / "app.js").read_bytes()
    assert int(response.headers["content-length"]) < len(response.content) / 2


def test_a_browser_that_does_not_take_gzip_gets_the_file_as_it_is(
    seeded_client: TestClient,
) -> None:
    for headers in (PLAIN, {"Accept-Encoding": "gzip;q=0, identity"}):
        response = seeded_client.get("/static/app.js", headers=headers)
        assert "content-encoding" not in response.headers
        assert response.content == (STATIC / "app.js").read_bytes()


def test_an_unversioned_url_is_revalidated_and_answered_304_while_unchanged(
    seeded_client: TestClient,
) -> None:
    for headers in (GZIP, PLAIN):
        first = seeded_client.get("/static/app.css", headers=headers)
        assert first.headers["cache-control"] == REVALIDATE
        again = seeded_client.get(
            "/static/app.css", headers={**headers, "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.content == b""


def test_a_library_named_by_its_release_is_kept_a_year(seeded_client: TestClient) -> None:
    response = seeded_client.get("/static/cytoscape-3.34.4.min.js", headers=GZIP)
    assert response.headers["cache-control"] == FOR_A_YEAR
    assert response.headers["content-encoding"] == "gzip"


def test_a_small_file_is_not_compressed(seeded_client: TestClient) -> None:
    response = seeded_client.get("/static/favicon.svg", headers=GZIP)
    assert response.status_code == 200
    assert "content-encoding" not in response.headers


def test_a_file_changed_gets_a_new_url(tmp_path: Path) -> None:
    script = tmp_path / "app.js"
    script.write_text("one();\n")
    first = static_url(tmp_path, "app.js")
    script.write_text("two(); // changed\n")
    assert static_url(tmp_path, "app.js") != first
    assert first.startswith("/static/app.js?v=")
