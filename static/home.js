// The home page's first-visit hint, which points at the ? help: shown until dismissed, and
// remembered as dismissed in this browser.
(function () {
  const KEY = "argmap.helpHintDismissed";
  const hint = document.querySelector("[data-first-visit-hint]");
  if (!hint) return;
  let dismissed = false;
  try { dismissed = localStorage.getItem(KEY) === "yes"; } catch (e) { /* storage off: show it */ }
  hint.hidden = dismissed;
  hint.querySelector("[data-dismiss-hint]").addEventListener("click", () => {
    try { localStorage.setItem(KEY, "yes"); } catch (e) { /* storage off: hide it for now */ }
    hint.hidden = true;
  });
})();
