"""The documentation a newcomer reads: a short README whose two commands exist, and links
that all lead somewhere."""

import re
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOCUMENTS = [
    README,
    *sorted((PROJECT_ROOT / "docs").glob("*.md")),
    PROJECT_ROOT / "benchmarks" / "README.md",
    PROJECT_ROOT / "seeds" / "README.md",
]
LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+\s+(.*)$", re.MULTILINE)


def anchor_of(heading: str) -> str:
    """The anchor a Markdown renderer gives a heading (lower case, spaces to dashes)."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_readme_is_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_the_readmes_two_commands_are_make_targets() -> None:
    readme = README.read_text(encoding="utf-8")
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"no `{target}` target"


@pytest.mark.parametrize(
    "document", DOCUMENTS, ids=lambda path: str(path.relative_to(PROJECT_ROOT))
)
def test_every_link_leads_somewhere(document: Path) -> None:
    broken = []
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):  # http(s), mailto: not checked here
            continue
        path_part, _, anchor = target.partition("#")
        linked = (document.parent / path_part).resolve() if path_part else document
        if not linked.exists():
            broken.append(target)
            continue
        if anchor and linked.suffix == ".md":
            anchors = {anchor_of(h) for h in HEADING.findall(linked.read_text(encoding="utf-8"))}
            if anchor not in anchors:
                broken.append(target)
    assert broken == [], f"{document.name}: links that lead nowhere: {broken}"
