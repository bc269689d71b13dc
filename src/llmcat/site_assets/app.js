// llmcat: the home page's filters. Reads the index embedded in the page (a local file cannot
// be fetched from file://) and shows the rows that pass every filter; the table itself is
// already in the HTML, so the page reads without this script.
(function () {
  "use strict";
  var index = JSON.parse(document.getElementById("llmcat-index").textContent);
  var text = JSON.parse(document.getElementById("llmcat-text").textContent);
  var form = document.getElementById("filters");
  var count = document.getElementById("count");
  var rows = {};
  document.querySelectorAll("#entries tbody tr").forEach(function (tr) { rows[tr.dataset.id] = tr; });

  // The same rules as `llmcat search`: zh matches zh, zh-Hans, zh-Hant...; commercial means an
  // effective verdict of yes or conditional; parameters in billions.
  function passes(entry, f) {
    if (f.q && entry.search.indexOf(f.q) === -1 &&
        (entry.summary.en + " " + entry.summary.zh).toLowerCase().indexOf(f.q) === -1) { return false; }
    if (f.lang && entry.language_prefixes.indexOf(f.lang) === -1) { return false; }
    if (f.kind && entry.kind !== f.kind) { return false; }
    if (f.license && entry.licenses.indexOf(f.license) === -1) { return false; }
    if (f.commercial === "commercial" && entry.effective !== "yes" && entry.effective !== "conditional") { return false; }
    if (f.commercial === "yes" && entry.effective !== "yes") { return false; }
    if (f.pmin !== null && (entry.params === null || entry.params < f.pmin * 1e9)) { return false; }
    if (f.pmax !== null && (entry.params === null || entry.params > f.pmax * 1e9)) { return false; }
    if (f.vram !== null) {
      var need = entry.memory_gib[f.mode];
      if (need === undefined || need > f.vram) { return false; }
    }
    return true;
  }

  function number(value) {
    var n = parseFloat(value);
    return isFinite(n) && n >= 0 ? n : null;
  }

  function read() {
    var data = new FormData(form);
    return {
      q: String(data.get("q") || "").trim().toLowerCase(),
      lang: String(data.get("lang") || "").toLowerCase(),
      kind: String(data.get("kind") || ""),
      license: String(data.get("license") || ""),
      commercial: String(data.get("commercial") || ""),
      pmin: number(data.get("pmin")),
      pmax: number(data.get("pmax")),
      vram: number(data.get("vram")),
      mode: String(data.get("mode") || "inference")
    };
  }

  function apply() {
    var f = read();
    var shown = 0;
    index.forEach(function (entry) {
      var ok = passes(entry, f);
      if (rows[entry.id]) { rows[entry.id].hidden = !ok; }
      if (ok) { shown += 1; }
    });
    count.textContent = shown ? text.count.replace("{n}", shown) : text.no_match;
    var params = new URLSearchParams();
    Object.keys(f).forEach(function (key) {
      if (f[key] !== null && f[key] !== "" && !(key === "mode" && f.vram === null)) { params.set(key, f[key]); }
    });
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }

  // Filters survive a reload and can be shared as a link: ?lang=zh&commercial=commercial
  new URLSearchParams(location.search).forEach(function (value, key) {
    if (form.elements[key]) { form.elements[key].value = value; }
  });
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  apply();
})();
