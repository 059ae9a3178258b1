"""Who may change an analyst's work: the one rule the session events enforce and the pages
follow when they leave out the controls someone cannot use."""


def may_change_work(owner: str | None, actor: str | None, may_edit_any: bool) -> bool:
    """Whether `actor` may change or delete a tag, claim or relation `owner` made: their own
    work, or anyone's when they may edit everyone's. A change with no actor (the command line,
    an import) is not an analyst's and is not held to the rule."""
    return actor is None or may_edit_any or owner == actor
