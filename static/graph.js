// The claim graph: fetches /api/graph and draws it with Cytoscape.js and a layered (dagre)
// layout. Clicking a claim loads its summary into the side panel through htmx.
(function () {
  "use strict";

  const LIBRARIES = ["/static/cytoscape-3.34.4.min.js", "/static/cytoscape-dagre-4.0.1.min.js"];
  const SUPPORT = "#2e7d32";
  const ATTACK = "#c62828";
  const REVIEW = "#e08a2c";

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

  function label(text) {
    const shown = text.replace(INVISIBLE, picture);
    return shown.length > 90 ? shown.slice(0, 87) + "…" : shown;
  }

  // Each holding position gets an equal stripe of the node, in a light tint of its colour;
  // the outline takes the first holder's colour.
  function tint(hex, share) {
    const value = parseInt(hex.slice(1), 16);
    const mix = (channel) => Math.round(channel * share + 255 * (1 - share));
    const r = mix((value >> 16) & 255), g = mix((value >> 8) & 255), b = mix(value & 255);
    return "rgb(" + r + "," + g + "," + b + ")";
  }

  function stripes(colours) {
    const stops = [], positions = [];
    colours.forEach((colour, i) => {
      const from = (100 * i) / colours.length, to = (100 * (i + 1)) / colours.length;
      stops.push(tint(colour, 0.28), tint(colour, 0.28));
      positions.push(from + "%", to + "%");
    });
    return { stops: stops.join(" "), positions: positions.join(" "), outline: colours[0] };
  }

  // Each connected group of claims is laid out in layers (dagre: supporting claims below what
  // they support), then the groups are packed in rows, largest first, so that a map of many
  // small arguments stays readable instead of one long line.
  const GAP = 60;
  const MIN_ZOOM = 0.75;

  function layOut(cy, container) {
    const groups = cy.elements().components().sort((a, b) => b.nodes().length - a.nodes().length);
    const rowWidth = Math.max(container.clientWidth / MIN_ZOOM, 900);
    let x = 0, y = 0, rowHeight = 0;
    groups.forEach((group) => {
      group.layout({ name: "dagre", rankDir: "BT", nodeSep: 24, rankSep: 70, fit: false, animate: false }).run();
      const box = group.boundingBox();
      if (x > 0 && x + box.w > rowWidth) { x = 0; y += rowHeight + GAP; rowHeight = 0; }
      group.nodes().shift({ x: x - box.x1, y: y - box.y1 });
      x += box.w + GAP;
      rowHeight = Math.max(rowHeight, box.h);
    });
    cy.fit(undefined, 20);
    if (cy.zoom() < MIN_ZOOM) {
      // Too much to read at once: start readable at the top left; scroll or pinch to pan.
      cy.zoom(MIN_ZOOM);
      const box = cy.elements().boundingBox();
      cy.pan({ x: 20 - box.x1 * MIN_ZOOM, y: 20 - box.y1 * MIN_ZOOM });
    }
  }

  function draw(container, data) {
    if (!data.nodes.length) {
      container.innerHTML = '<p class="empty">No claims match. Make claims from passages in the documents.</p>';
      return;
    }
    if (!window.cytoscape.__dagreRegistered) {
      window.cytoscape.use(window.cytoscapeDagre);
      window.cytoscape.__dagreRegistered = true;
    }
    const elements = data.nodes.map((node) => ({
      group: "nodes",
      data: Object.assign(
        {
          id: node.id,
          label: (node.needs_review ? "⚠ " : "") + label(node.text),
          rejected: node.rejected_by.length > 0,
          review: node.needs_review,
        },
        stripes(node.colours)),
    })).concat(data.edges.map((edge) => ({
      group: "edges",
      data: { id: edge.id, source: edge.source, target: edge.target, kind: edge.kind,
              review: edge.needs_review },
    })));
    const cy = window.cytoscape({
      container: container,
      elements: elements,
      style: [
        { selector: "node", style: {
          "shape": "round-rectangle", "width": 190, "height": 64, "background-color": "#ffffff",
          "border-width": 3, "label": "data(label)", "font-size": 11,
          "text-wrap": "wrap", "text-max-width": 170, "text-valign": "center", "color": "#1d2127",
          "text-wrap": "wrap" } },
        { selector: "node", style: {
          "background-fill": "linear-gradient", "background-gradient-direction": "to-right",
          "background-gradient-stop-colors": "data(stops)",
          "background-gradient-stop-positions": "data(positions)", "border-color": "data(outline)" } },
        { selector: "node[?rejected]", style: { "border-style": "dashed", "border-color": "#8a1c1c" } },
        // Evidence of the claim lost its place when a document's text was replaced.
        { selector: "node[?review]", style: {
          "border-style": "double", "border-width": 6, "border-color": REVIEW } },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#f2b705" } },
        { selector: "edge", style: { "width": 2, "curve-style": "bezier", "target-arrow-shape": "triangle" } },
        { selector: 'edge[kind = "supports"]', style: { "line-color": SUPPORT, "target-arrow-color": SUPPORT } },
        { selector: 'edge[kind = "attacks"]', style: {
          "line-color": ATTACK, "target-arrow-color": ATTACK, "line-style": "dashed", "target-arrow-shape": "tee" } },
        { selector: "edge[?review]", style: {
          "line-color": REVIEW, "target-arrow-color": REVIEW, "line-style": "dotted" } },
      ],
      layout: { name: "preset" },
    });
    cy.on("tap", "node", (evt) => {
      window.htmx.ajax("GET", "/claims/" + encodeURIComponent(evt.target.id()) + "/summary",
        { target: "#claim-panel", swap: "innerHTML" });
    });
    layOut(cy, container);
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
