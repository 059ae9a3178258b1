"""Claims and the relations between them.

A claim is a proposition in the analyst's own words. Positions hold or reject it (its stances),
tags are its evidence (an annotation's `claim_id`), and a relation says that one claim supports
or attacks another. Each public function is one unit of work: it checks everything first, then
changes what it must and commits once.

One module per job: `reading` (a claim, lists and searches, evidence), `editing` (claims,
stances, evidence), `merging` (merge and split) and `relations`. Every public name is
importable from here, whichever module defines it.
"""

from app.services.claims.editing import (
    attach_evidence,
    create_claim,
    delete_claim,
    detach_evidence,
    set_stance,
    update_claim,
)
from app.services.claims.merging import (
    MERGE_RECORD_LENGTH,
    NOTE_MAX_LENGTH,
    merge_claims,
    split_claim,
)
from app.services.claims.reading import (
    SEARCH_LIMIT,
    SHORT_TEXT_LENGTH,
    claim_evidence,
    claim_public,
    get_claim,
    list_claims,
    page_claims,
    search_claims,
    short_text,
)
from app.services.claims.relations import (
    ClaimLinks,
    LinkedClaim,
    claim_links,
    create_relation,
    delete_relation,
    get_relation,
    list_relations,
    page_relations,
    update_relation,
)

__all__ = [
    "MERGE_RECORD_LENGTH",
    "NOTE_MAX_LENGTH",
    "SEARCH_LIMIT",
    "SHORT_TEXT_LENGTH",
    "ClaimLinks",
    "LinkedClaim",
    "attach_evidence",
    "claim_evidence",
    "claim_links",
    "claim_public",
    "create_claim",
    "create_relation",
    "delete_claim",
    "delete_relation",
    "detach_evidence",
    "get_claim",
    "get_relation",
    "list_claims",
    "list_relations",
    "merge_claims",
    "page_claims",
    "page_relations",
    "search_claims",
    "set_stance",
    "short_text",
    "split_claim",
    "update_claim",
    "update_relation",
]
