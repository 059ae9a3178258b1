"""The map's interchange formats: what goes out and what comes back in.

Out: the native JSON export (`native`, format "argmap", streamed), W3C Web Annotations
(`w3c`, streamed), AIF JSON (`aif`) and the CSV of tags (`tags_csv`, streamed). In: the native
format (`importer`) and AIF (`aif`). The map's exports take the same `filters.ExportFilters`
(a part of the map: its documents, claims and relations follow); the CSV, a table of tags,
takes the tag filters the matrix and the networks share (`app/services/tag_filters.py`). Both
carry the layer and the reader's blinding: a coder's files leave out the tags they may not
see. Each is checked before the first byte, and the streamed ones read one snapshot and write
their text through `writing`.
"""
