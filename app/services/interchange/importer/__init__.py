"""Import of the native JSON export (format "argmap", versions 1 to 4), merged by id.

An import is all or nothing. The whole file is checked first — JSON syntax, the published
schema of its version, then what a schema cannot say (hashes, offsets, quotes, references,
clashes with what is stored) — and only then written, in one transaction. Every refusal is an
InvalidInput whose message says where the file is wrong, as a JSON path (`annotations[3].kind:
…`). Every reference must lead to a record in the file or in this database.

Merge rules: rows whose id (or key) is not stored yet are created. Stored positions, topics,
actors, documents and passages keep their local state, since analysts may have renamed a
position, given an actor another alias or re-classified a passage here; they only have to
agree with the file on what cannot change (a document's text, a passage's place in it).
Claims, relations and annotations are the analysts' work proper, so the newer version wins: a
stored one is overwritten when the file's updated_at is later than its last local change (for
an annotation, an edit or a removal). A claim's stances go with it: the newer claim's stances
replace the older one's. A relation's two claims cannot change; a new relation between two
claims that a stored relation already links (made separately in two instances) is not
imported: the stored one stands, and the report says so.
A new actor is checked as the actor registry checks one: its position and parent exist (in the
file or here), its parents never lead back to it, and none of its names or aliases is another
actor's (whatever the case), else the whole file is refused.

A version 1 file has no claims and no relations, and says nothing about the claims of its
annotations: importing it leaves the claim of a stored annotation as it is. Likewise a version
1 or 2 file has no actors: its new annotations name nobody, and a stored annotation it updates
keeps its actor. The independent coding of a version 4 file (assignments, codebook, team
settings) merges as the catalog does (`coding`); earlier files bring none, and a stored
annotation they update keeps its `adjudicated` and `adopted_from`.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from app.services.interchange.importer.parse import parse_export
from app.services.interchange.importer.plan import plan_import
from app.services.interchange.importer.report import IMPORT_CACHE_KIB, ImportReport
from app.services.interchange.importer.write import write_plan
from app.services.uploads import all_or_nothing

# import_map calls the steps by these names (a test makes the writing fail through them).
__all__ = ["ImportReport", "import_map", "parse_export", "plan_import", "write_plan"]


def import_map(session: Session, raw: bytes | str) -> ImportReport:
    """Check the export `raw` and merge it into the database, all or nothing.

    Raises InvalidInput, with the database untouched, when anything in the file is wrong.
    """
    data = parse_export(raw)
    with _frozen_for_gc(), all_or_nothing(session), _roomy_page_cache(session):
        plan = plan_import(session, data)  # reads only: every check happens before the first write
        write_plan(session, plan)
    return plan.report


@contextmanager
def _frozen_for_gc() -> Iterator[None]:
    """Keep the garbage collector from going through the parsed file again and again.

    A large file is millions of objects, which each full collection (triggered by the rows
    the import makes) visited: a tenth of a large import's time. They hold no cycles to
    collect; frozen, the collector leaves them (and whatever else exists now) alone until the
    import ends.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _roomy_page_cache(session: Session) -> Iterator[None]:
    """On SQLite, let the transaction keep up to IMPORT_CACHE_KIB of pages in memory.

    With the default cache (a few megabytes), a large import spilled its changed pages to the
    WAL again and again before the commit: that writing was a third of its time. The cache
    only grows as needed, and is set back before the commit (which writes every changed page
    once, whatever the setting) so that the pooled connection does not keep it.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or 0)}")
