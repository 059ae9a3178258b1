"""Taguette's side of the codebook check (tests/interop/test_taguette.py), run by the Python
of the virtual environment Taguette is installed in (make taguette-check), never by ours.

    python taguette_roundtrip.py FOLDER

writes FOLDER/taguette.qdc, a codebook that Taguette itself exports (`codebook_xml`) from the
tags in FOLDER/taguette-tags.json, and reads FOLDER/argmap.csv, our CSV codebook, with
Taguette's own codebook import (`list_tags_csv`), writing what it read to
FOLDER/taguette-read.json.
"""

import json
import sys
from pathlib import Path
from types import SimpleNamespace

from taguette.export import codebook_xml  # type: ignore[import-not-found]
from taguette.import_codebook import list_tags_csv  # type: ignore[import-not-found]


def main(folder: Path) -> None:
    tags = json.loads((folder / "taguette-tags.json").read_text(encoding="utf-8"))
    codebook_xml([SimpleNamespace(**tag) for tag in tags], str(folder / "taguette.qdc"))
    with (folder / "argmap.csv").open("rb") as reader:
        read = list_tags_csv(reader)
    (folder / "taguette-read.json").write_text(json.dumps(read), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
