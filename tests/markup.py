"""Finding the elements a test expects on a page: a missing one fails the test where it is
looked up, with the selector in the message."""

from bs4 import Tag


def one(node: Tag, selector: str) -> Tag:
    """The first element under `node` (a page or an element) that the CSS `selector` matches."""
    found = node.select_one(selector)
    assert found is not None, f"no element matches {selector!r}"
    return found
