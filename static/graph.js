// The claim graph: fetches /api/graph and draws it with Cytoscape.js and a layered (dagre)
// layout. Clicking a claim, or moving to it with the keyboard, shows its evidence in the side
// panel through htmx.
(function () {
  "use strict";

  const LIBRARIES = ["/static/cytoscape-3.34.4.min.js", "/static/cytoscape-dagre-4.0.1.min.js"];
  const SUPPORT = "#2e7d32";
  const ATTACK = "#c62828";
  const REVIEW = "#e08a2c";
  const FOCUS = "#1f5fae";

  // This file may arrive in a page swapped in by htmx, where `defer` does not hold:
  // load the libraries one after the other, once.
  function loadLibraries() {
    return LIBRARIES.reduce((ready, src) => ready.then(() => new Promise((resolve, reject) => {
      if (document.querySelector('script[data-lib="' + src + '"]')) { resolve(); return; }
      const script = document.createElement("script");
      script.src = src;
      script.dataset.lib = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error("could not load " + src));
      document.head.appendChild(script);
    })), Promise.resolve());
  }

  // As on the pages (app/templating.py): control characters and bidi overrides in a claim's
  // text show as symbols, so that none can hide or reverse part of its label.
  const INVISIBLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

  function picture(char) {
    const code = char.charCodeAt(0);
    return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? "\u2421" : "\ufffd";
  }

  function shown(text) {
    const plain = text.replace(INVISIBLE, picture);
    return plain.length > 90 ? plain.slice(0, 87) + "…" : plain;
  }

  // --- What a node looks like -------------------------------------------------------------
  // Labels are drawn at FONT_SIZE and the first view never zooms out below READABLE_ZOOM, so
  // that every label is at least 12 px on screen; nor does it zoom in past MAX_FIT_ZOOM, so a
  // lone claim or a small map is not blown up to fill the canvas.
  const FONT_SIZE = 14;
  const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  const LINE_HEIGHT = 1.25;
  const READABLE_ZOOM = 12 / FONT_SIZE;
  const MAX_FIT_ZOOM = 1.25;
  const NODE_WIDTH = 236;
  const TEXT_WIDTH = 212;
  const BAND = 12; // the bar of position segments along the top of a node
  const PADDING = 10;

  // Holders first, then rejecters, each in the order the API gives (by position key).
  function segmentsOf(node) {
    const holds = node.stances.filter((s) => s.stance === "holds");
    const rejects = node.stances.filter((s) => s.stance !== "holds");
    return holds.concat(rejects).map((s) => ({ position: s.position, name: s.name, colour: s.colour, stance: s.stance }));
  }

  function stanceLine(segments) {
    const holders = segments.filter((s) => s.stance === "holds").map((s) => s.name);
    const rejecters = segments.filter((s) => s.stance !== "holds").map((s) => s.name);
    const parts = [];
    if (holders.length) parts.push("▲ " + holders.join(", "));
    if (rejecters.length) parts.push("▼ " + rejecters.join(", "));
    return parts.join("  ");
  }

  // The bar along the top of a node: one segment per position with a stance, solid where it
  // holds the claim, hatched where it rejects it (the legend says which is which). Drawn once
  // per combination into a small PNG, which the browser decodes much faster than an SVG.
  const bands = new Map();
  const BAND_SCALE = 2; // sharp when zoomed in

  function band(segments) {
    if (!segments.length) return null;
    const key = segments.map((s) => s.colour + s.stance).join();
    if (bands.has(key)) return bands.get(key);
    const canvas = document.createElement("canvas");
    canvas.width = NODE_WIDTH * BAND_SCALE;
    canvas.height = BAND * BAND_SCALE;
    const ctx = canvas.getContext("2d");
    ctx.scale(BAND_SCALE, BAND_SCALE);
    const width = NODE_WIDTH / segments.length;
    segments.forEach((s, i) => {
      const x = i * width;
      ctx.save();
      ctx.beginPath();
      ctx.rect(x, 0, width, BAND);
      ctx.clip();
      ctx.fillStyle = s.stance === "holds" ? s.colour : "#ffffff";
      ctx.fillRect(x, 0, width, BAND);
      if (s.stance !== "holds") {
        ctx.strokeStyle = s.colour;
        ctx.lineWidth = 3;
        for (let d = -BAND; d < width + BAND; d += 6) {
          ctx.beginPath();
          ctx.moveTo(x + d, BAND);
          ctx.lineTo(x + d + BAND, 0);
          ctx.stroke();
        }
      }
      ctx.restore();
      if (i > 0) { ctx.fillStyle = "#ffffff"; ctx.fillRect(x - 0.75, 0, 1.5, BAND); }
    });
    const uri = canvas.toDataURL("image/png");
    bands.set(key, uri);
    return uri;
  }

  // How many lines Cytoscape will wrap a label into, measured with the same font, so that each
  // node is as tall as its text.
  let measure = null;

  function lineCount(label) {
    if (!measure) {
      measure = document.createElement("canvas").getContext("2d");
      measure.font = FONT_SIZE + "px " + FONT_FAMILY;
    }
    const space = measure.measureText(" ").width;
    return label.split("\n").reduce((count, paragraph) => {
      let lines = 1, width = 0;
      paragraph.split(" ").forEach((word) => {
        const w = measure.measureText(word).width;
        if (width > 0 && width + space + w > TEXT_WIDTH - 8) { lines += 1; width = w; } else { width += (width > 0 ? space : 0) + w; }
      });
      return count + lines;
    }, 0);
  }

  function nodeElement(node) {
    const segments = segmentsOf(node);
    const stances = stanceLine(segments);
    const text = (node.needs_review ? "⚠ " : "") + shown(node.text);
    const label = stances ? text + "\n" + stances : text;
    const height = BAND + 2 * PADDING + Math.ceil(lineCount(label) * FONT_SIZE * LINE_HEIGHT);
    const data = { id: node.id, label: label, text: shown(node.text), segments: segments,
                   evidence: node.evidence, review: node.needs_review, height: height };
    const image = band(segments);
    if (image) data.band = image;
    return { group: "nodes", data: data };
  }

  const STYLE = [
    { selector: "node", style: {
      "shape": "round-rectangle", "width": NODE_WIDTH, "height": "data(height)",
      "background-color": "#ffffff", "border-width": 1.5, "border-color": "#5b6470",
      "label": "data(label)", "font-size": FONT_SIZE, "font-family": FONT_FAMILY,
      "line-height": LINE_HEIGHT, "text-wrap": "wrap", "text-max-width": TEXT_WIDTH,
      "text-valign": "center", "text-margin-y": BAND / 2, "color": "#1d2127" } },
    { selector: "node[band]", style: {
      "background-image": "data(band)", "background-fit": "none", "background-clip": "node",
      "background-width": NODE_WIDTH, "background-height": BAND,
      "background-position-x": 0, "background-position-y": 0 } },
    // Evidence of the claim lost its place when a document's text was replaced.
    { selector: "node[?review]", style: {
      "border-style": "double", "border-width": 6, "border-color": REVIEW } },
    { selector: "node:selected", style: {
      "border-width": 3, "border-color": "#1d2127", "background-color": "#fff8dc" } },
    // The node the keyboard is on: a ring outside its border, so that both show.
    { selector: "node.keyboard", style: {
      "outline-width": 4, "outline-color": FOCUS, "outline-offset": 3 } },
    { selector: "edge", style: {
      "width": 2, "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 1.2 } },
    { selector: "edge.routed", style: {
      "curve-style": "round-segments", "segment-radius": 12, "edge-distances": "node-position",
      "segment-distances": "data(distances)", "segment-weights": "data(weights)" } },
    { selector: 'edge[kind = "supports"]', style: { "line-color": SUPPORT, "target-arrow-color": SUPPORT } },
    { selector: 'edge[kind = "attacks"]', style: {
      "line-color": ATTACK, "target-arrow-color": ATTACK, "line-style": "dashed", "target-arrow-shape": "tee" } },
    { selector: "edge[?review]", style: {
      "line-color": REVIEW, "target-arrow-color": REVIEW, "line-style": "dotted" } },
  ];

  // --- Layout --------------------------------------------------------------------------------
  // Each connected group of claims is laid out in layers (dagre: supporting claims below what
  // they support), then the groups are packed in rows, largest first, so that a map of many
  // small arguments stays readable instead of one long line.
  const GAP = 60;
  const RANK_SEP = 64;
  const MARGIN = 8; // the clearance an edge keeps from a node it does not touch

  function layOut(cy, container) {
    const groups = cy.elements().components().sort((a, b) => b.nodes().length - a.nodes().length);
    const rowWidth = Math.max(container.clientWidth / READABLE_ZOOM, NODE_WIDTH);
    let x = 0, y = 0, rowHeight = 0;
    groups.forEach((group) => {
      group.layout({ name: "dagre", rankDir: "BT", nodeSep: 40, edgeSep: 20, rankSep: RANK_SEP,
                     fit: false, animate: false }).run();
      const box = group.boundingBox({ includeLabels: false });
      if (x > 0 && x + box.w > rowWidth) { x = 0; y += rowHeight + GAP; rowHeight = 0; }
      group.nodes().shift({ x: x - box.x1, y: y - box.y1 });
      x += box.w + GAP;
      rowHeight = Math.max(rowHeight, box.h);
      routeEdges(group);
    });
  }

  function box(node) {
    const p = node.position(), w = node.width() / 2, h = node.height() / 2;
    return { x1: p.x - w, x2: p.x + w, y1: p.y - h, y2: p.y + h };
  }

  // Does the segment a–b pass through the box (grown by MARGIN)? (Liang–Barsky clipping.)
  function crosses(a, b, r) {
    let t0 = 0, t1 = 1;
    const dx = b.x - a.x, dy = b.y - a.y;
    const p = [-dx, dx, -dy, dy];
    const q = [a.x - (r.x1 - MARGIN), r.x2 + MARGIN - a.x, a.y - (r.y1 - MARGIN), r.y2 + MARGIN - a.y];
    for (let i = 0; i < 4; i++) {
      if (p[i] === 0) { if (q[i] < 0) return false; continue; }
      const t = q[i] / p[i];
      if (p[i] < 0) { if (t > t1) return false; t0 = Math.max(t0, t); } else { if (t < t0) return false; t1 = Math.min(t1, t); }
    }
    return true;
  }

  // dagre puts a long edge's bends in gaps it keeps free in each layer it crosses, but the
  // Cytoscape adapter draws the edge straight, through whatever claim stands in the way. An
  // edge whose straight line meets a claim it does not join is drawn instead through the
  // layers' gaps: straight up or down through each layer, and across only between layers,
  // where there are no claims.
  function routeEdges(group) {
    const nodes = group.nodes();
    const boxes = new Map(nodes.map((n) => [n.id(), box(n)]));
    const layers = [];
    nodes.forEach((n) => {
      const y = Math.round(n.position("y")), r = boxes.get(n.id());
      let layer = layers.find((l) => Math.abs(l.y - y) < 1);
      if (!layer) { layer = { y: y, y1: r.y1, y2: r.y2, boxes: [] }; layers.push(layer); }
      layer.y1 = Math.min(layer.y1, r.y1);
      layer.y2 = Math.max(layer.y2, r.y2);
      layer.boxes.push(r);
    });
    layers.sort((a, b) => a.y - b.y);
    const layerOf = (n) => layers.findIndex((l) => Math.abs(l.y - Math.round(n.position("y"))) < 1);

    group.edges().forEach((edge) => {
      const s = edge.source(), t = edge.target();
      const a = s.position(), b = t.position();
      const blocked = nodes.some((n) => n.id() !== s.id() && n.id() !== t.id() && crosses(a, b, boxes.get(n.id())));
      if (!blocked) return;
      const from = layerOf(s), to = layerOf(t);
      if (from === to) return;
      const step = to > from ? 1 : -1;
      const xs = [];
      for (let i = from + step; i !== to; i += step) {
        const layer = layers[i];
        const along = a.x + ((b.x - a.x) * (layer.y - a.y)) / (b.y - a.y);
        xs.push(freeX(layer, along));
      }
      const sb = boxes.get(s.id()), tb = boxes.get(t.id());
      const inside = (x, r) => Math.min(Math.max(x, r.x1 + 16), r.x2 - 16);
      const sx = inside(xs.length ? xs[0] : b.x, sb);
      const tx = inside(xs.length ? xs[xs.length - 1] : a.x, tb);
      // The edge leaves its source and enters its target a little way into the gap between
      // layers, so that its ends stay clear of the nodes' borders.
      const lead = RANK_SEP / 4;
      const near = (layer, off = 0) => (step > 0 ? layer.y1 - off : layer.y2 + off);
      const far = (layer, off = 0) => (step > 0 ? layer.y2 + off : layer.y1 - off);
      const points = [{ x: sx, y: far(layers[from], lead) }];
      for (let i = from + step, k = 0; i !== to; i += step, k++) {
        points.push({ x: xs[k], y: near(layers[i]) }, { x: xs[k], y: far(layers[i]) });
      }
      points.push({ x: tx, y: near(layers[to], lead) });
      setRoute(edge, a, b, points);
    });
  }

  // The x nearest to `along` where a vertical line through the layer meets no claim.
  function freeX(layer, along) {
    const taken = layer.boxes.map((r) => [r.x1 - MARGIN - 2, r.x2 + MARGIN + 2]).sort((p, q) => p[0] - q[0]);
    const blockedAt = (x) => taken.some(([l, r]) => x > l && x < r);
    if (!blockedAt(along)) return along;
    const candidates = taken.flatMap(([l, r]) => [l, r]).filter((x) => !blockedAt(x));
    return candidates.reduce((best, x) => (Math.abs(x - along) < Math.abs(best - along) ? x : best));
  }

  // Cytoscape places segment points relative to the line from source to target: a weight
  // along it and a distance across it.
  function setRoute(edge, a, b, points) {
    const dx = b.x - a.x, dy = b.y - a.y, length2 = dx * dx + dy * dy, length = Math.sqrt(length2);
    const weights = [], distances = [];
    points.forEach((p) => {
      const px = p.x - a.x, py = p.y - a.y;
      weights.push((px * dx + py * dy) / length2);
      distances.push((py * dx - px * dy) / length);
    });
    edge.data({ weights: weights, distances: distances });
    edge.addClass("routed");
  }

  // Fit the whole map, but never so small that labels are unreadable (then start at the top
  // left; scroll or pinch to see the rest) nor so large that a lone claim fills the canvas.
  function frame(cy) {
    cy.fit(undefined, 24);
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    } else if (cy.zoom() < READABLE_ZOOM) {
      cy.zoom(READABLE_ZOOM);
      const all = cy.elements().boundingBox();
      cy.pan({ x: 24 - all.x1 * READABLE_ZOOM, y: 24 - all.y1 * READABLE_ZOOM });
    }
  }

  // --- Keyboard and the evidence panel -------------------------------------------------------
  function describe(node, index, count) {
    const segments = node.data("segments");
    const holders = segments.filter((s) => s.stance === "holds").map((s) => s.name);
    const rejecters = segments.filter((s) => s.stance !== "holds").map((s) => s.name);
    const parts = [node.data("text") + "."];
    parts.push(holders.length ? "Held by " + holders.join(", ") + "." : "Held by no position.");
    if (rejecters.length) parts.push("Rejected by " + rejecters.join(", ") + ".");
    const count_ = (eles, kind) => eles.filter((e) => e.data("kind") === kind).length;
    const out = node.connectedEdges().filter((e) => e.source().same(node));
    const into = node.connectedEdges().filter((e) => e.target().same(node));
    const ties = [["supports", count_(out, "supports")], ["attacks", count_(out, "attacks")],
                  ["supported by", count_(into, "supports")], ["attacked by", count_(into, "attacks")]]
      .filter(([, n]) => n > 0).map(([word, n]) => word + " " + n);
    if (ties.length) {
      const said = ties.join(", ");
      parts.push(said.charAt(0).toUpperCase() + said.slice(1) + ".");
    }
    if (node.data("review")) parts.push("Needs review.");
    parts.push("Claim " + (index + 1) + " of " + count + ".");
    return parts.join(" ");
  }

  // From the current node, the nearest node in the arrow's direction: within 45° of it if
  // there is one, else whichever is most ahead and least aside.
  function nextInDirection(cy, from, key) {
    const [ux, uy] = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowDown: [0, 1], ArrowUp: [0, -1] }[key];
    const p = from.position();
    let best = null, bestScore = Infinity;
    cy.nodes().forEach((n) => {
      if (n.same(from)) return;
      const q = n.position(), dx = q.x - p.x, dy = q.y - p.y;
      const ahead = dx * ux + dy * uy, aside = Math.abs(dx * uy - dy * ux);
      if (ahead <= 1) return;
      const score = aside <= ahead ? Math.hypot(ahead, aside) : 1e6 + ahead + 2 * aside;
      if (score < bestScore) { best = n; bestScore = score; }
    });
    return best;
  }

  function keyboard(cy, container) {
    const status = document.getElementById("graph-status");
    // Reading order: top to bottom, then left to right (Home, End, and where Tab lands first).
    const order = cy.nodes().toArray().sort((a, b) => (a.position("y") - b.position("y")) || (a.position("x") - b.position("x")));
    const place = (node) => order.findIndex((n) => n.id() === node.id());
    let current = null, panelOpen = false, timer = null;

    // `bringIntoView`: on a narrow screen the panel is below the graph; a tap there scrolls
    // down to it.
    function showEvidence(node, bringIntoView) {
      clearTimeout(timer);
      window.htmx.ajax("GET", "/claims/" + encodeURIComponent(node.id()) + "/summary",
        { target: "#claim-panel", swap: "innerHTML" }).then(() => {
        if (bringIntoView && window.matchMedia("(max-width: 60rem)").matches) {
          document.getElementById("claim-panel").scrollIntoView({ block: "start", behavior: "smooth" });
        }
      });
      panelOpen = true;
    }

    function reveal(node) {
      const r = node.renderedBoundingBox(), w = container.clientWidth, h = container.clientHeight;
      const dx = r.x1 < 12 ? 12 - r.x1 : r.x2 > w - 12 ? Math.max(w - 12 - r.x2, 12 - r.x1) : 0;
      const dy = r.y1 < 12 ? 12 - r.y1 : r.y2 > h - 12 ? Math.max(h - 12 - r.y2, 12 - r.y1) : 0;
      if (dx || dy) cy.panBy({ x: dx, y: dy });
    }

    // `byKey`: the keyboard moved here, so ring the node and say which it is; a click only
    // selects it (and the keyboard carries on from there).
    function moveTo(node, byKey) {
      cy.nodes(".keyboard").removeClass("keyboard");
      current = node;
      cy.nodes(":selected").unselect();
      node.select();
      if (!byKey) return;
      node.addClass("keyboard");
      reveal(node);
      if (status) status.textContent = describe(node, place(node), order.length);
    }

    container.addEventListener("focus", () => moveTo(current || order[0], true));
    container.addEventListener("blur", () => cy.nodes(".keyboard").removeClass("keyboard"));
    container.addEventListener("keydown", (evt) => {
      if (evt.ctrlKey || evt.metaKey || evt.altKey || !current) return;
      let next = null;
      if (evt.key.startsWith("Arrow")) next = nextInDirection(cy, current, evt.key);
      else if (evt.key === "Home") next = order[0];
      else if (evt.key === "End") next = order[order.length - 1];
      else if (evt.key === "Enter" || evt.key === " ") {
        showEvidence(current);
        if (status) status.textContent = "Evidence for “" + current.data("text") + "” shown in the evidence panel.";
        evt.preventDefault();
        return;
      } else if (evt.key === "Escape") {
        cy.nodes(":selected").unselect();
        return;
      } else return;
      evt.preventDefault();
      if (!next) return;
      moveTo(next, true);
      // Once open, the panel follows the keyboard (after a pause, not on every key repeat).
      if (panelOpen) { clearTimeout(timer); timer = setTimeout(() => showEvidence(next), 250); }
    });
    cy.on("tap", "node", (evt) => {
      moveTo(evt.target, false);
      showEvidence(evt.target, true);
    });
  }

  function draw(container, data) {
    if (!data.nodes.length) {
      container.innerHTML = '<p class="empty">No claims match. Make claims from passages in the documents.</p>';
      container.removeAttribute("tabindex");
      container.removeAttribute("role");
      return;
    }
    if (!window.cytoscape.__dagreRegistered) {
      window.cytoscape.use(window.cytoscapeDagre);
      window.cytoscape.__dagreRegistered = true;
    }
    const elements = data.nodes.map(nodeElement).concat(data.edges.map((edge) => ({
      group: "edges",
      data: { id: edge.id, source: edge.source, target: edge.target, kind: edge.kind,
              review: edge.needs_review },
    })));
    const cy = window.cytoscape({
      container: container, elements: elements, style: STYLE, layout: { name: "preset" },
      minZoom: 0.15, maxZoom: 3,
    });
    layOut(cy, container);
    frame(cy);
    keyboard(cy, container);
    container.dataset.ready = "true";
    container.cy = cy;
  }

  function start() {
    const container = document.getElementById("graph");
    if (!container || container.dataset.ready) return;
    Promise.all([loadLibraries(), fetch(container.dataset.src).then((r) => {
      if (!r.ok) throw new Error("the graph could not be loaded (" + r.status + ")");
      return r.json();
    })]).then(([, data]) => draw(container, data)).catch((error) => {
      container.textContent = error.message;
    });
  }

  start();
})();
