"""The claims and relations as AIF JSON (the Argument Interchange Format of OVA and AIFdb).

Export
------
`export_aif` writes the OVA/xAIF shape, `{"AIF": {...}, "argmap": {...}}`; the object under
"AIF" is the AIFdb JSON (nodes, edges, locutions, participants). The mapping:

- a claim is an I-node: nodeID = the claim id, text = the claim text;
- a live evidence annotation of a claim is an L-node (nodeID "L-<annotation id>") whose text is
  exactly the annotation's quote, or its passage's text for a whole-passage tag (no OVA-style
  "Speaker : " prefix, so that the quote can be found again), anchored to the claim by a YA-node
  ("YA-<annotation id>", text "Default Illocuting": our tags say that a passage expresses a
  claim, not with which illocutionary force) with the edges L → YA → I;
- an orphaned evidence annotation (its quote was not found again when its document's text
  was replaced) has no L-node: an AIF locution is a place in a text, and it has none. Its
  claim is exported all the same;
- each L-node has a locution: personID = its analyst's participant, timestamp = when the tag
  was made, start/end = the span's offsets in its document's original text;
- participants are the analysts of those tags, one each (participantID "1", "2", … in name
  order; firstname = the first word of the name, surname = the rest);
- a supports relation is an RA-node ("RA-<relation id>", "Default Inference") and an attacks
  relation a CA-node ("CA-<relation id>", "Default Conflict"), with the edges
  source I → RA/CA → target I.

What AIF has no place for goes under the top-level key "argmap" (AIF readers ignore unknown
keys): `format` "argmap-aif", `version` 1, the `filters`, every position and topic, and, keyed
by nodeID, `claims` (topic, note, analyst, times, stances per position), `relations` (id, note,
evidence passage, analyst, times) and `evidence` (annotation id, passage, document, passage-
relative span, position, kind, topic, note, analyst). So a re-import into this app loses
nothing of the claims and relations, and can find the evidence tags again where they exist.

The filters are those of the native export (app/services/interchange/filters.py), and select
the same claims: a claim matches a document where it has evidence, a position that holds or
rejects it or tags evidence for it, a topic it is on or that evidence for it is tagged with.
An evidence tag is included when it passes every filter, a relation when both its claims are
included. One difference: evidence is read through its passage, so under a filter an orphaned
tag selects no claim, where in the native export it does (`claim_condition`'s
`evidence_needs_passage`).

Import
------
`import_aif` reads the bare AIF object or the OVA wrapper, with integer or string ids. Like the
native import it is all or nothing: the whole file is checked first, and every refusal is an
InvalidInput naming a JSON path (`AIF.edges[4].toID: no node with id 17`); then it is written in
one transaction. Dangling references in locutions (a personID without a participant, which the
xaif documentation's own example has) are reported as warnings: locutions are not stored here.

- An I-node becomes a claim, unless it is one already: a claim whose id is the nodeID, else a
  claim with the same text (case-folded, whitespace collapsed). A new claim keeps the nodeID as
  its id when the "argmap" extension describes it (it came from an instance of this app).
- An RA-node gives supports relations and a CA-node attacks relations, one per premise I-node,
  to its single conclusion I-node. One that does not link I-nodes that way, a relation of a
  claim to itself and a pair (source, target) already related are not created.
- L, YA, TA, MA and other nodes are counted as skipped. Evidence annotations are not recreated
  from L-nodes (their passages may not exist here); when the extension names an annotation that
  exists here and is not yet evidence for any claim, it is linked to its claim.
- The extension's positions and topics are created when missing; stored ones keep their local
  names. Stances are added when the position has none on the claim; a stored stance, topic or
  relation kind that disagrees with the file is kept and reported.
"""
