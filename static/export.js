// The Export page: beside each form, the API request and the command that give the same file,
// kept in step with the form as its fields change. A field still at the value the page gave it
// matches the API's default and is left out; hidden fields (examples=false) always count.
(function () {
  function atStart(field) {
    if (field.type === "hidden") return false;
    if (field.type === "checkbox" || field.type === "radio") return field.checked === field.defaultChecked;
    if (field.tagName === "SELECT") {
      return Array.from(field.options).every((option) => option.selected === option.defaultSelected);
    }
    return field.value === field.defaultValue;
  }

  // The parameters the form sends, the last field of a name winning (a checkbox after the
  // hidden field that stands for it unticked), without those the API takes by default.
  function parameters(form) {
    const chosen = new Map();
    Array.from(form.elements).forEach((field) => {
      if (!field.name || field.disabled || field.name === "download") return;
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) return;
      if (field.value === "") return;
      chosen.set(field.name, field);
    });
    return Array.from(chosen.entries())
      .filter(([, field]) => !atStart(field))
      .map(([name, field]) => [name, field.value]);
  }

  function shellWord(text) {
    return /^[A-Za-z0-9_.:\/-]+$/.test(text) ? text : "'" + text.replace(/'/g, "'\\''") + "'";
  }

  function option([name, value]) {
    const flag = "--" + name.replace(/_/g, "-");
    if (value === "true") return flag;
    if (value === "false") return "--no-" + name.replace(/_/g, "-");
    return flag + " " + shellWord(value);
  }

  function update(form) {
    const chosen = parameters(form);
    const query = new URLSearchParams(chosen).toString();
    form.querySelectorAll("[data-api]").forEach((code) => {
      code.textContent = "GET " + location.origin + code.dataset.api + (query ? "?" + query : "");
    });
    form.querySelectorAll("[data-cli]").forEach((code) => {
      code.textContent = [code.dataset.cli].concat(chosen.map(option)).join(" ");
    });
  }

  document.querySelectorAll("form.export-form").forEach((form) => {
    if (!form.querySelector("[data-commands]")) return;
    form.addEventListener("input", () => update(form));
    form.addEventListener("change", () => update(form));
    update(form);
  });
})();
