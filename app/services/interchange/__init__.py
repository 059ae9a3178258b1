"""The map's interchange formats: what goes out and what comes back in.

Out: the native JSON export (`native`, format "argmap", streamed), W3C Web Annotations
(`w3c`, streamed) and AIF JSON (`aif`). In: the native format (`importer`) and AIF (`aif`).
Every export takes the same `filters.ExportFilters`, checked the same way before the first
byte, and the streamed ones read one snapshot and write their text through `writing`.
"""
