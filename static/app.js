// The few things the browser must do itself: keyboard shortcuts, turning a text selection into
// span offsets, focus after a swap, and showing error messages. Everything else is htmx.
(function () {
  "use strict";

  const TEXT_INPUT_TYPES = new Set(["text", "search", "email", "url", "password", "number", "tel", "color", "date"]);

  function inTextField(el) {
    if (!el) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && TEXT_INPUT_TYPES.has((el.type || "text").toLowerCase());
  }

  function passages() {
    return Array.from(document.querySelectorAll(".passage"));
  }

  function currentPassage() {
    const active = document.activeElement;
    return active && active.closest ? active.closest(".passage") : null;
  }

  function focusPassage(el) {
    if (!el) return;
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest", behavior: "instant" });
  }

  function movePassage(step) {
    const all = passages();
    if (!all.length) return;
    const here = all.indexOf(currentPassage());
    const next = here === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, here + step));
    focusPassage(all[next]);
  }

  // --- CSRF --------------------------------------------------------------------------------
  // Every change htmx sends carries the session's CSRF token (plain forms have it in a field).
  document.addEventListener("htmx:configRequest", (evt) => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) evt.detail.headers["X-CSRF-Token"] = meta.content;
  });

  // --- errors ------------------------------------------------------------------------------
  let toastTimer = null;
  function showToast(message) {
    const toast = document.getElementById("toast");
    if (!toast) return;
    toast.textContent = message;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.hidden = true; }, 8000);
  }

  function messageFrom(xhr) {
    try {
      const body = JSON.parse(xhr.responseText);
      if (typeof body.detail === "string") return body.detail;
      if (body.message) return body.message;
    } catch (_) { /* not JSON: fall through */ }
    return "The server answered " + xhr.status + ". Nothing was changed.";
  }

  document.addEventListener("htmx:responseError", (evt) => showToast(messageFrom(evt.detail.xhr)));
  // A form that adds something empties itself once the server has taken it.
  document.addEventListener("htmx:afterRequest", (evt) => {
    const form = evt.detail.elt;
    if (evt.detail.successful && form.matches && form.matches("form[data-reset-on-success]")) form.reset();
  });
  document.addEventListener("htmx:sendError", () => showToast("The server could not be reached. Nothing was changed."));

  // --- version conflicts -------------------------------------------------------------------
  // An edit refused because someone changed the item meanwhile comes back as a 409 marked
  // X-Conflict: version, holding both versions and aimed at #conflict (HX-Retarget): show it
  // instead of the toast. Every other 409 stays an error.
  function isVersionConflict(xhr) {
    return xhr.status === 409 && xhr.getResponseHeader("X-Conflict") === "version";
  }
  // A form refused for what was typed in it comes back as a 422 marked X-Form-Errors, holding
  // the form again with a sentence beside each refused field: it replaces the form sent.
  function isRefusedForm(xhr) {
    return xhr.status === 422 && xhr.getResponseHeader("X-Form-Errors") === "true";
  }
  document.addEventListener("htmx:beforeSwap", (evt) => {
    if (!isVersionConflict(evt.detail.xhr) && !isRefusedForm(evt.detail.xhr)) return;
    evt.detail.shouldSwap = true;
    evt.detail.isError = false;
  });
  document.addEventListener("htmx:afterSwap", (evt) => {
    const target = evt.detail.target;
    if (!target || target.id !== "conflict") return;
    // Keeping theirs is the safe default: Enter never overwrites anyone by accident.
    const keep = target.querySelector("[data-keep-theirs]");
    if (keep) keep.focus({ preventScroll: true });
  });
  // Once the editor has chosen (kept theirs or saved theirs over), or has shown the item again,
  // the panel goes.
  document.addEventListener("htmx:afterRequest", (evt) => {
    const panel = document.getElementById("conflict");
    if (!panel || !panel.firstElementChild || !evt.detail.successful || isVersionConflict(evt.detail.xhr)) return;
    const about = panel.firstElementChild.dataset.conflictTarget;
    const target = evt.detail.target;
    if (panel.contains(evt.detail.elt) || (about && target && "#" + target.id === about)) panel.replaceChildren();
  });

  // --- span selection ----------------------------------------------------------------------
  function offsetWithin(root, node, offset) {
    const range = document.createRange();
    range.selectNodeContents(root);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function textElementOf(node) {
    const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return el ? el.closest("[data-passage-text]") : null;
  }

  function setSpan(passage, start, end, quote) {
    const startInput = passage.querySelector("[data-span-start]");
    const endInput = passage.querySelector("[data-span-end]");
    const indicator = passage.querySelector("[data-span-indicator]");
    if (!startInput || !endInput || !indicator) return; // the form is open, or boilerplate
    const on = start !== null;
    startInput.value = on ? String(start) : "";
    endInput.value = on ? String(end) : "";
    startInput.disabled = endInput.disabled = !on;
    indicator.hidden = !on;
    indicator.querySelector("[data-span-quote]").textContent = on ? quote : "";
    passage.classList.toggle("has-span", on);
    markChosenSpans();
  }

  function captureSelection() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    const textEl = textElementOf(range.startContainer);
    if (!textEl) return;
    if (textEl !== textElementOf(range.endContainer)) {
      showToast("A span must lie inside one passage: select within a single paragraph.");
      return;
    }
    const text = textEl.textContent;
    let start = offsetWithin(textEl, range.startContainer, range.startOffset);
    let end = offsetWithin(textEl, range.endContainer, range.endOffset);
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (start >= end) return;
    const passage = textEl.closest(".passage");
    setSpan(passage, start, end, text.slice(start, end));
    passage.focus({ preventScroll: true });
  }

  document.addEventListener("mouseup", (evt) => {
    if (evt.target.closest && evt.target.closest("[data-passage-text]")) captureSelection();
  });
  document.addEventListener("keyup", (evt) => {
    if (evt.shiftKey && evt.key.startsWith("Arrow")) captureSelection();
  });
  document.addEventListener("click", (evt) => {
    const clear = evt.target.closest("[data-clear-span]");
    if (clear) setSpan(clear.closest(".passage"), null, null, "");
    if (evt.target.closest("[data-show-help]")) toggleHelp();
    if (evt.target.closest("[data-close-help]")) toggleHelp(false);
    // The skip link lands on the first passage where there is one, else on the content.
    if (evt.target.closest("[data-skip-link]")) {
      const first = document.querySelector("#main .passage") || document.getElementById("main");
      if (first) { focusPassage(first); evt.preventDefault(); }
    }
    // A suggested actor fills the form's actor field.
    const suggestion = evt.target.closest("[data-fill-actor]");
    if (suggestion) {
      const field = suggestion.form && suggestion.form.querySelector("[name=actor]");
      if (field) { field.value = suggestion.dataset.fillActor; field.focus(); }
    }
  });

  // --- help --------------------------------------------------------------------------------
  // The help is a modal dialog: it takes focus, keeps Tab inside, and gives focus back to
  // where it was when it closes (by Escape, its button or `?`).
  let helpOpener = null;
  function toggleHelp(force) {
    const help = document.getElementById("help");
    if (!help) return;
    const open = force === undefined ? !help.open : force;
    if (open === help.open) return;
    if (open) {
      helpOpener = document.activeElement;
      help.showModal();
      help.querySelector("[data-close-help]").focus();
    } else {
      help.close();
    }
  }
  document.addEventListener("close", (evt) => {
    if (evt.target.id !== "help") return;
    const opener = helpOpener;
    helpOpener = null;
    if (opener && opener.isConnected && opener !== document.body) opener.focus({ preventScroll: true });
  }, true);

  function trapTab(evt, box) {
    const stops = Array.from(box.querySelectorAll("button, a[href], input, select, textarea, [tabindex]"))
      .filter((el) => !el.disabled && el.tabIndex >= 0);
    if (!stops.length) { evt.preventDefault(); return; }
    const first = stops[0];
    const last = stops[stops.length - 1];
    const active = document.activeElement;
    if (evt.shiftKey ? active === first || !box.contains(active) : active === last || !box.contains(active)) {
      (evt.shiftKey ? last : first).focus();
      evt.preventDefault();
    }
  }

  // On the page's search box (the one `/` leads to), a `/` typed before anything else since it
  // took focus is the shortcut pressed again, not text: it selects the box's words instead.
  const typedIn = new WeakSet();
  document.addEventListener("focusout", (evt) => typedIn.delete(evt.target));

  // --- keyboard ----------------------------------------------------------------------------
  // Keys typed in the tag form: s/u/o pick the kind, w goes to who says it (the actor),
  // n/c/a no claim / new claim / attach, h/r the stance, Enter saves, Escape cancels.
  const FORM_KEYS = new Set(["s", "u", "o", "w", "n", "c", "a", "h", "r", "Enter", "Escape"]);
  // A number key asks the server for the tag form; keys typed before it arrives wait here.
  let pending = null;

  function formKey(form, key) {
    const radio = form.querySelector('[data-kind-key="' + key + '"]');
    if (radio) {
      radio.checked = true;
      // Some choices lead straight into a field: a claim's text, the claim search box.
      const field = radio.dataset.focus && form.querySelector(radio.dataset.focus);
      (field || radio).focus();
      return true;
    }
    const field = form.querySelector('[data-focus-key="' + key + '"]');
    if (field) { field.focus(); return true; }
    if (key === "Enter") { form.requestSubmit(); return true; }
    if (key === "Escape") { form.querySelector("[data-cancel]").click(); return true; }
    return false;
  }

  document.addEventListener("keydown", (evt) => {
    const help = document.getElementById("help");
    if (help && help.open) {
      if (evt.key === "Tab") trapTab(evt, help);
      else if (evt.key === "Escape" || evt.key === "?") { toggleHelp(false); evt.preventDefault(); }
      return; // a modal dialog: the page's shortcuts wait until it is closed
    }
    if (evt.target.matches && evt.target.matches('[data-key="/"]') && !evt.ctrlKey && !evt.metaKey && !evt.altKey) {
      if (evt.key === "/" && !typedIn.has(evt.target)) { evt.target.select(); evt.preventDefault(); return; }
      if (evt.key.length === 1 || evt.key === "Backspace" || evt.key === "Delete") typedIn.add(evt.target);
    }
    const typingForm = evt.target.closest && evt.target.closest(".tag-form, .claim-form");
    if ((evt.ctrlKey || evt.metaKey) && evt.key === "Enter" && typingForm) {
      typingForm.requestSubmit();
      evt.preventDefault();
      return;
    }
    // Enter on a chosen claim (a radio button) sends its form, as it would from a text box.
    if (evt.key === "Enter" && evt.target.matches && evt.target.matches(".claim-form input[type=radio]")) {
      evt.target.form.requestSubmit();
      evt.preventDefault();
      return;
    }
    // From a search box, the arrow key goes down into the claims found.
    if (evt.key === "ArrowDown" && evt.target.matches && evt.target.matches("input[type=search]")) {
      const results = evt.target.parentElement.querySelector(".claim-results");
      const first = results && results.querySelector("input[type=radio]");
      if (first) { first.focus(); first.checked = true; evt.preventDefault(); }
      return;
    }
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return;
    const active = document.activeElement;
    // While a passage's form is open, keys go to that form, even if focus is on the passage
    // itself or lost for a moment while htmx swaps the passage in.
    let form = null;
    if (active && active.closest && active !== document.body) {
      const passage = active.closest(".passage");
      form = active.closest(".tag-form") || (passage && passage.querySelector(".tag-form"));
    } else {
      const open = document.querySelectorAll(".tag-form");
      if (open.length === 1) form = open[0];
    }

    if (evt.key === "Escape") {
      if (form) { formKey(form, "Escape"); return; }
      // A form that opened in place of what it edits (data-escape-cancels) closes again.
      const inPlace = active && active.closest && active.closest("[data-escape-cancels]");
      if (inPlace) { inPlace.querySelector("[data-cancel]").click(); evt.preventDefault(); return; }
      const passage = currentPassage();
      if (passage) setSpan(passage, null, null, "");
      return;
    }
    if (inTextField(active)) return; // never steal keys from someone typing

    if (form) {
      if (evt.key === "Enter" && active && active.tagName === "BUTTON") return; // the button acts
      if (formKey(form, evt.key)) evt.preventDefault();
      return;
    }
    if (pending && FORM_KEYS.has(evt.key)) {
      // The form is on its way: keep the key and apply it when the form arrives.
      pending.keys.push(evt.key);
      evt.preventDefault();
      return;
    }
    if (evt.key === "?") { toggleHelp(); evt.preventDefault(); return; }
    // Page shortcuts: an element marked data-key="x" is focused (a <summary> is opened first,
    // a button pressed).
    const marked = document.querySelector('[data-key="' + CSS.escape(evt.key) + '"]');
    if (marked) {
      if (marked.tagName === "BUTTON") {
        marked.click();
      } else if (marked.tagName === "SUMMARY") {
        marked.parentElement.open = true;
        const field = marked.parentElement.querySelector("input:not([type=hidden]), textarea, select");
        (field || marked).focus();
      } else {
        marked.focus();
      }
      evt.preventDefault();
      return;
    }
    if (evt.key === "j" || evt.key === "k") { movePassage(evt.key === "j" ? 1 : -1); evt.preventDefault(); return; }
    if (/^[1-9]$/.test(evt.key)) {
      const passage = currentPassage();
      const button = passage && passage.querySelector('.tagbar [data-shortcut="' + evt.key + '"]');
      if (button) {
        pending = { id: passage.id, keys: [] };
        button.click();
        evt.preventDefault();
      }
    }
  });

  // After a passage is swapped, keep the keyboard where it was: on that passage.
  document.addEventListener("htmx:afterSettle", (evt) => {
    const old = evt.detail.target;
    if (!old || !old.id || !old.id.startsWith("p-")) return;
    const fresh = document.getElementById(old.id);
    if (!fresh) return;
    if (!fresh.contains(document.activeElement)) {
      const wanted = fresh.querySelector("[autofocus]");
      (wanted || fresh).focus({ preventScroll: true });
    }
    if (pending && pending.id === old.id) {
      const keys = pending.keys;
      pending = null;
      const form = fresh.querySelector(".tag-form");
      if (form) keys.forEach((key) => formKey(form, key));
    }
  });
  document.addEventListener("htmx:responseError", () => { pending = null; });
  document.addEventListener("htmx:sendError", () => { pending = null; });

  // A link to #p-… (from the position view) lands on that passage, focused and marked.
  // A long document's later passages are loaded as the reader scrolls; one not loaded yet is
  // fetched together with those before it, then focused.
  function focusHashTarget() {
    if (!location.hash.startsWith("#p-")) return;
    const el = document.getElementById(location.hash.slice(1));
    if (!el) {
      const more = document.querySelector("[data-more-passages]");
      if (!more) return;
      const url = more.getAttribute("hx-get") + "&through=" + encodeURIComponent(location.hash.slice(3));
      htmx.ajax("GET", url, { target: more, swap: "outerHTML" }).then(focusHashTarget);
      return;
    }
    el.classList.add("arrived");
    focusPassage(el);
    el.scrollIntoView({ block: "center" });
  }
  document.addEventListener("DOMContentLoaded", focusHashTarget);
  document.addEventListener("htmx:historyRestore", focusHashTarget);
  document.addEventListener("htmx:afterSettle", (evt) => { if (evt.detail.target === document.body) focusHashTarget(); });
  // A form marked data-skip-empty sends only the fields filled in: "no window" is no `window`
  // parameter, not an empty one the API would refuse. The fields come back at once, since a
  // download leaves the page as it was.
  document.addEventListener("submit", (evt) => {
    const form = evt.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-skip-empty")) return;
    const empty = Array.from(form.elements).filter((field) => field.name && !field.disabled && field.value === "");
    empty.forEach((field) => { field.disabled = true; });
    setTimeout(() => empty.forEach((field) => { field.disabled = false; }), 0);
  });

  // --- the chosen span, the position's name, touch ------------------------------------------
  // The span a tag is being made for stays marked while its position is chosen and its form
  // is open (the browser's own selection goes as soon as a button is pressed). Marked with the
  // CSS Custom Highlight API, so the passage's text stays as the server rendered it.
  function rangeWithin(root, start, end) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let seen = 0;
    let begun = false;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const length = node.textContent.length;
      if (!begun && start <= seen + length) { range.setStart(node, start - seen); begun = true; }
      if (begun && end <= seen + length) { range.setEnd(node, end - seen); return range; }
      seen += length;
    }
    return null;
  }

  function markChosenSpans() {
    if (!window.CSS || !CSS.highlights || typeof Highlight === "undefined") return;
    const ranges = [];
    document.querySelectorAll(".passage").forEach((passage) => {
      const form = passage.querySelector(".tag-form[data-chosen-start]");
      const startInput = passage.querySelector("[data-span-start]:not(:disabled)");
      const endInput = passage.querySelector("[data-span-end]:not(:disabled)");
      const start = form ? form.dataset.chosenStart : startInput && startInput.value;
      const end = form ? form.dataset.chosenEnd : endInput && endInput.value;
      const text = passage.querySelector("[data-passage-text]");
      if (!text || !start || !end) return;
      const range = rangeWithin(text, Number(start), Number(end));
      if (range) ranges.push(range);
    });
    CSS.highlights.set("chosen-span", new Highlight(...ranges));
  }

  document.addEventListener("htmx:afterSettle", (evt) => {
    markChosenSpans();
    // A form that opened keeps its Save button in view.
    const old = evt.detail.target;
    const fresh = old && old.id && old.id.startsWith("p-") ? document.getElementById(old.id) : null;
    const form = fresh && fresh.querySelector(".tag-form");
    if (form) form.scrollIntoView({ block: "nearest", behavior: "instant" });
  });

  // The kinds and the stance name the position chosen: "supports the Russian position".
  document.addEventListener("change", (evt) => {
    const choice = evt.target.closest && evt.target.closest("[data-position-choice]");
    if (!choice) return;
    const name = choice.options[choice.selectedIndex].text;
    choice.form.querySelectorAll("[data-position-name]").forEach((el) => { el.textContent = name; });
  });

  // On a touch screen a span is chosen by the selection handles, not by a mouse: the selection
  // is taken when it stops changing.
  let selectionTimer = null;
  if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) {
    document.addEventListener("selectionchange", () => {
      clearTimeout(selectionTimer);
      selectionTimer = setTimeout(captureSelection, 400);
    });
  }

  // A table wider than a phone's screen scrolls inside its own box (app.css): it takes a Tab
  // stop then, so that the keyboard can scroll it too, and gives it back when it fits again.
  function letTablesScrollByKeyboard() {
    document.querySelectorAll("main table").forEach((table) => {
      const scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.dataset.scrollStop = "true";
      } else if (!scrolls && table.dataset.scrollStop) {
        table.removeAttribute("tabindex");
        delete table.dataset.scrollStop;
      }
    });
  }
  // The tag form shows the codebook's definitions of the position and topic chosen (kept in
  // each option's data-definition), as the choice changes.
  function showDefinitions(form) {
    const shown = form.querySelector("[data-definition-shown]");
    if (!shown) return;
    shown.textContent = Array.from(form.querySelectorAll("select"))
      .map((select) => select.selectedOptions[0]?.dataset.definition || "")
      .filter((text) => text)
      .join(" · ");
  }
  document.addEventListener("change", (evt) => {
    const form = evt.target.closest && evt.target.closest(".tag-form");
    if (form && evt.target.matches("select")) showDefinitions(form);
  });
  document.addEventListener("htmx:afterSettle", () => {
    document.querySelectorAll(".tag-form").forEach(showDefinitions);
  });

  let resizeTimer = null;
  document.addEventListener("DOMContentLoaded", letTablesScrollByKeyboard);
  document.addEventListener("htmx:afterSettle", letTablesScrollByKeyboard);
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(letTablesScrollByKeyboard, 200);
  });
})();
