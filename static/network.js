// The network view: fetches /api/networks with the page's query and draws it with Cytoscape.js.
// A windowed network is laid out once over every window's nodes, so that stepping the time
// slider shows who appears, who leaves and how ties change without the picture jumping.
// Clicking a tie loads the statements behind it (both ends' passages) into the side panel.
(function () {
  "use strict";

  const LIBRARY = "/static/cytoscape-3.34.4.min.js";
  const AGREE = "#2e7d32";
  const CONFLICT = "#c62828";
  const BOTH = "#7b1fa2";
  const COLOURS = { positive: AGREE, holds: AGREE, negative: CONFLICT, rejects: CONFLICT, both: BOTH };
  const LEFT_OUT = { "no actor": "no actor", "no date": "an undated document", "no claim": "no claim",
                     "no topic": "no topic" };

  function loadLibrary() {
    return new Promise((resolve, reject) => {
      if (window.cytoscape) { resolve(); return; }
      const script = document.createElement("script");
      script.src = LIBRARY;
      script.onload = resolve;
      script.onerror = () => reject(new Error("could not load " + LIBRARY));
      document.head.appendChild(script);
    });
  }

  // As on the pages (app/templating.py): control characters and bidi overrides show as
  // symbols, so that none can hide or reverse part of a label.
  const INVISIBLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

  function label(text) {
    const shown = text.replace(INVISIBLE, "\ufffd");
    return shown.length > 48 ? shown.slice(0, 45) + "…" : shown;
  }

  // A conflict network's ties are all disagreement; the others say which way by their sign.
  function colour(kind, edge) {
    return kind === "conflict" ? CONFLICT : COLOURS[edge.sign] || AGREE;
  }

  // Node sizes stay within these bounds (the largest degree gets the largest), so that a dense
  // network of 200 actors does not bury its nodes under a few big ones.
  const MIN_SIZE = 10, MAX_SIZE = 34;
  // The layout pulls each node towards its few strongest ties only: in a dense network every
  // actor is tied to most others, and a layout pulled by every tie packs them into one ball.
  const LAYOUT_TIES = 3;
  // Up to this many nodes a network is small: every tie shapes the layout, every node is named.
  const FEW = 60;
  const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

  function layOut(cy, networks) {
    const strength = new Map();
    networks.forEach((network) => network.edges.forEach((edge) => {
      const key = edgeKey(edge);
      strength.set(key, (strength.get(key) || 0) + Math.abs(edge.weight));
    }));
    const strongest = new Set();
    cy.nodes().forEach((node) => {
      node.connectedEdges()
        .sort((a, b) => strength.get(b.data("key")) - strength.get(a.data("key")))
        .slice(0, LAYOUT_TIES).forEach((edge) => strongest.add(edge.id()));
    });
    const many = cy.nodes().length > FEW;
    // A small network is laid out along all its ties, with room for every name.
    const skeleton = many
      ? cy.nodes().union(cy.edges().filter((edge) => strongest.has(edge.id())))
      : cy.elements();
    // The layout starts from the nodes spread on a sunflower spiral, in their order, not from
    // random places: the same network is drawn the same way every time it is opened.
    const spread = Math.sqrt(cy.nodes().length) * 40;
    cy.nodes().forEach((node, i) => {
      const radius = spread * Math.sqrt((i + 0.5) / cy.nodes().length);
      const angle = i * GOLDEN_ANGLE;
      node.position({ x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
    });
    skeleton.layout({ name: "cose", animate: false, randomize: false, fit: false,
                      nodeDimensionsIncludeLabels: !many, padding: 20,
                      nodeRepulsion: () => (many ? 20000 : 200000), nodeOverlap: 40,
                      idealEdgeLength: () => (many ? 60 : 140), numIter: 1500,
                      gravity: many ? 1 : 0.2, componentSpacing: 60 }).run();
    cy.fit(undefined, 20);
    // A small network is not blown up to fill the frame: its names stay at their own size.
    if (cy.zoom() > 1) { cy.zoom(1); cy.center(); }
  }

  // Labels: all of them in a small network or once zoomed in; in a large one at a distance,
  // only the HUBS best-connected nodes, so the names do not pile up into an unreadable mass.
  const HUBS = 15, CLOSE = 1.3;

  function showLabels(cy) {
    const shown = cy.nodes().filter((node) => !node.hasClass("off"));
    const all = shown.length <= FEW || cy.zoom() >= CLOSE;
    cy.batch(() => shown.forEach((node) => { node.toggleClass("labelled", all); }));
  }

  function edgeKey(edge) { return edge.source + "\u0000" + edge.target; }

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  // A normalization that does not apply to the chosen network falls back to none rather than
  // being refused (the form sends only the fields filled in: see app.js, data-skip-empty).
  function tidyForm(form) {
    form.addEventListener("submit", () => {
      const twoMode = form.elements.kind.value === "two-mode";
      const norm = form.elements.normalization;
      const oneModeOnly = ["average", "jaccard", "cosine"].includes(norm.value);
      const twoModeOnly = ["activity", "prominence"].includes(norm.value);
      if ((twoMode && oneModeOnly) || (!twoMode && twoModeOnly)) norm.value = "no";
      if (twoMode && form.elements.two_mode_weight.value === "combine") norm.value = "no";
    });
  }

  function summary(data, network, index) {
    const parts = [plural(data.statements, "statement"), plural(network.nodes.length, "node"),
                   plural(network.edges.length, "tie")];
    let text = network.description + ": " + parts.join(", ");
    if (data.windowed) {
      const w = network.window;
      text += " — window " + (index + 1) + " of " + data.networks.length + ", " + w.start + " to " + w.end;
    }
    const left = Object.entries(data.left_out).map(([why, count]) =>
      plural(count, "tag") + " with " + (LEFT_OUT[why] || why));
    if (left.length) text += ". Left out: " + left.join(", ") + ".";
    return text;
  }

  function draw(container, data) {
    const summaryLine = document.getElementById("network-summary");
    const networks = data.networks;
    if (!networks.length || networks.every((n) => !n.nodes.length)) {
      summaryLine.textContent = summary(data, networks[0] || { description: "network", nodes: [], edges: [] }, 0);
      container.innerHTML = '<p class="empty">No statements here yet. A statement is a tag that names an actor ' +
        '(or argues in a document whose author is in the actor registry), in a dated document, on a claim or topic.</p>';
      return;
    }
    // Every node and tie of any window, laid out once.
    const nodes = new Map(), edges = new Map();
    networks.forEach((network) => {
      network.nodes.forEach((node) => nodes.set(node.id, node));
      network.edges.forEach((edge) => edges.set(edgeKey(edge), edge));
    });
    let n = 0;
    const edgeIds = new Map();
    const elements = Array.from(nodes.values()).map((node) => ({
      group: "nodes",
      data: { id: node.id, label: label(node.label), full: node.label, kind: node.kind, size: 20 },
    })).concat(Array.from(edges.values()).map((edge) => {
      const id = "e" + (n++);
      edgeIds.set(edgeKey(edge), id);
      return { group: "edges", data: { id: id, key: edgeKey(edge), source: edge.source,
                                       target: edge.target, colour: AGREE, width: 2 } };
    }));
    const cy = window.cytoscape({
      container: container,
      elements: elements,
      minZoom: 0.1,
      maxZoom: 4,
      style: [
        { selector: "node", style: {
          "width": "data(size)", "height": "data(size)", "background-color": "#3b6ea5",
          "label": "", "font-size": 11, "color": "#1d2127", "text-valign": "bottom",
          "text-margin-y": 3, "min-zoomed-font-size": 6, "text-background-color": "#ffffff",
          "text-background-opacity": 0.7, "text-background-padding": 1 } },
        { selector: 'node[kind = "concept"]', style: { "shape": "round-rectangle", "background-color": "#9aa4ad" } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#f2b705" } },
        { selector: "edge", style: {
          "width": "data(width)", "line-color": "data(colour)", "curve-style": "haystack",
          "opacity": edges.size > 400 ? 0.3 : 0.7 } },
        // Which nodes are labelled: see `label` below.
        { selector: "node.hub, node.labelled, node.near", style: { "label": "data(label)" } },
        { selector: "node.near", style: { "min-zoomed-font-size": 0, "z-index": 10 } },
        { selector: "edge:selected", style: { "opacity": 1, "underlay-color": "#f2b705",
                                                "underlay-opacity": 0.6, "underlay-padding": 3 } },
        { selector: ".faded", style: { "opacity": 0.12 } },
        { selector: ".off", style: { "display": "none" } },
      ],
      layout: { name: "preset" },
    });
    layOut(cy, networks);
    cy.on("zoom", () => showLabels(cy));

    let shown = 0;
    function show(index) {
      shown = index;
      const network = networks[index];
      const present = new Set(network.nodes.map((node) => node.id));
      const degree = new Map();
      const maxWeight = Math.max(1e-9, ...network.edges.map((edge) => Math.abs(edge.weight)));
      network.edges.forEach((edge) => {
        degree.set(edge.source, (degree.get(edge.source) || 0) + 1);
        degree.set(edge.target, (degree.get(edge.target) || 0) + 1);
      });
      const maxDegree = Math.max(1, ...degree.values());
      cy.batch(() => {
        cy.edges().addClass("off");
        network.edges.forEach((edge) => {
          const element = cy.getElementById(edgeIds.get(edgeKey(edge)));
          element.removeClass("off");
          element.data({ weight: edge.weight, sign: edge.sign, colour: colour(data.kind, edge),
                         width: 1 + 7 * Math.abs(edge.weight) / maxWeight });
        });
        const hubs = new Set(Array.from(degree.entries()).sort((a, b) => b[1] - a[1])
          .slice(0, HUBS).map(([id]) => id));
        cy.nodes().forEach((node) => {
          node.toggleClass("hub", hubs.has(node.id()));
          if (!present.has(node.id())) { node.addClass("off"); return; }
          node.removeClass("off");
          node.data("size", MIN_SIZE + (MAX_SIZE - MIN_SIZE) * Math.sqrt((degree.get(node.id()) || 0) / maxDegree));
        });
      });
      showLabels(cy);
      container.dataset.window = String(index);
      summaryLine.textContent = summary(data, network, index);
      const label = document.getElementById("window-label");
      if (data.windowed) label.textContent = network.window.start + " – " + network.window.end;
    }

    // Selecting a node fades what is not tied to it; tapping the background clears it.
    cy.on("tap", "node", (evt) => {
      cy.elements().addClass("faded").removeClass("near");
      const near = evt.target.closedNeighborhood().filter((element) => !element.hasClass("off"));
      near.removeClass("faded");
      near.nodes().addClass("near");
    });
    cy.on("tap", (evt) => {
      if (evt.target === cy) cy.elements().removeClass("faded").removeClass("near");
    });
    cy.on("tap", "edge", (evt) => {
      const edge = evt.target;
      const params = new URLSearchParams({ source: edge.data("source"), target: edge.data("target") });
      if (data.windowed) {
        params.set("window_start", networks[shown].window.start);
        params.set("window_end", networks[shown].window.end);
      }
      const panel = document.getElementById("tie-panel");
      window.htmx.ajax("GET", container.dataset.tie + "&" + params.toString(),
        { target: "#tie-panel", swap: "innerHTML" }).then(() => {
        const box = panel.getBoundingClientRect();
        if (box.top < 0 || box.top > window.innerHeight) panel.scrollIntoView({ block: "start" });
      });
    });

    if (data.windowed) {
      const time = document.getElementById("network-time");
      const slider = document.getElementById("window-slider");
      time.hidden = false;
      slider.max = String(networks.length - 1);
      slider.addEventListener("input", () => show(Number(slider.value)));
      const move = (by) => {
        slider.value = String(Math.min(networks.length - 1, Math.max(0, Number(slider.value) + by)));
        show(Number(slider.value));
      };
      document.getElementById("window-back").addEventListener("click", () => move(-1));
      document.getElementById("window-next").addEventListener("click", () => move(1));
    }
    show(0);
    container.dataset.ready = "true";
    container.cy = cy;
  }

  function start() {
    const container = document.getElementById("network");
    if (!container || container.dataset.ready) return;
    const form = document.getElementById("network-form");
    if (form) tidyForm(form);
    Promise.all([loadLibrary(), fetch(container.dataset.src).then((r) => r.json().then((body) => {
      if (!r.ok) throw new Error(body.message || "The network could not be loaded (" + r.status + ").");
      return body;
    }))]).then(([, data]) => draw(container, data)).catch((error) => {
      document.getElementById("network-summary").textContent = error.message;
      container.textContent = "";
    });
  }

  start();
})();
