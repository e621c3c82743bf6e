// The what-if page: controls -> a what-if (JSON) -> /api/simulate and /api/montecarlo.
// Stateless: the what-if lives in the URL fragment (#w=...), so a link reproduces the page.
"use strict";

const state = {
  lang: "vi",
  whatif: null,          // the current controls
  controls: null,        // /api/controls for the base (measure the rate sets, years)
  result: null,          // last /api/simulate answer
  band: null,            // last /api/montecarlo answer
  parts: null,           // last /api/decompose answer
  pinned: [],            // [{whatif, result}]
  products: [],
  items: [],
  exemptions: [],
  seq: 0,                // request sequence: only the latest answer is shown
};
const query = new URLSearchParams(location.search);
const token = query.get("token");
// Monte Carlo draws of the band (?draws=N; the server caps it)
const DRAWS = Math.max(1, Math.round(Number(query.get("draws")) || 200));
const $ = (id) => document.getElementById(id);
const T = (key, ...args) => {
  const v = I18N[state.lang][key];
  return typeof v === "function" ? v(...args) : v;
};

async function api(path, body) {
  const headers = {"Content-Type": "application/json"};
  if (token) headers["Authorization"] = "Bearer " + token;
  const r = await fetch("api/" + path, body === undefined ? {headers} :
    {method: "POST", headers, body: JSON.stringify(body)});
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (!r.ok) { const err = new Error("api"); err.status = r.status; err.data = data; throw err; }
  return data;
}

async function apiBlob(path, body) {
  const headers = {"Content-Type": "application/json"};
  if (token) headers["Authorization"] = "Bearer " + token;
  const r = await fetch("api/" + path, {method: "POST", headers, body: JSON.stringify(body)});
  if (!r.ok) { const err = new Error("api"); err.status = r.status; try { err.data = await r.json(); } catch (e) { err.data = null; } throw err; }
  const name = (r.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
  return {blob: await r.blob(), name: name ? name[1] : "download"};
}

// ------------------------------------------------------------------ errors next to controls

function controlOf(path) {
  if (!path) return "";
  if (path.startsWith("commitments")) return "commitments";
  if (path.startsWith("exempt")) return "exempt";
  if (path.startsWith("scenario.horizon") || path === "horizon") return "horizon";
  if (path.startsWith("scenario.method")) return "method";
  if (path.startsWith("scenario.basis")) return "basis";
  return ["base", "rate", "method", "basis", "horizon"].includes(path) ? path : "";
}

function clearErrors() {
  document.querySelectorAll(".error").forEach((e) => { e.textContent = ""; });
  document.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
}

function showErrors(err) {
  clearErrors();
  const problems = (err.data && err.data.problems) || [];
  if (!problems.length) {
    $("general-error").textContent = (err.data && err.data.message && state.lang === "en")
      ? err.data.message : T("error_server");
    return;
  }
  for (const p of problems) {
    const where = controlOf(p.path);
    const box = document.querySelector(`.error[data-for="${where}"]`) || $("general-error");
    let text;
    if (p.message_vi !== undefined) text = state.lang === "vi" ? p.message_vi : p.message;
    else text = (state.lang === "vi" ? T("error_generic") + ": " : "") + p.message + (p.hint ? "; " + p.hint : "");
    const m = p.path && p.path.match(/^commitments\[(\d+)\]\.(\w+)/);
    if (m) {
      const key = ["value_bn", "units"].includes(m[2]) ? "amount" : (m[2] === "item" ? "product" : m[2]);
      const input = document.querySelector(`#commitments [data-row="${m[1]}"] [data-key="${key}"]`);
      if (input) input.classList.add("invalid");
      const label = typeof T(m[2]) === "string" ? T(m[2]) : m[2];
      text = `#${Number(m[1]) + 1} ${label}: ` + text;
    } else if (where === "rate") {
      $("rate-number").classList.add("invalid");
    } else if (where === "horizon") {
      $("horizon").classList.add("invalid");
    }
    const line = document.createElement("div");
    line.textContent = text;
    box.appendChild(line);
  }
}

// ------------------------------------------------------------------ controls

function readControls() {
  const w = {base: $("base").value};
  const rate = $("rate-number").value;
  w.rate = rate === "" ? NaN : Number(rate);
  w.exempt = state.exemptions.filter((e) => $("ex-" + e.key).checked).map((e) => e.key);
  w.commitments = [...document.querySelectorAll("#commitments .commitment")].map((row) => {
    const get = (k) => row.querySelector(`[data-key="${k}"]`).value;
    const num = (k) => (get(k) === "" ? null : Number(get(k)));
    const what = get("product");
    const c = what.startsWith("item:") ? {item: what.slice(5), units: num("amount")}
      : {product: what, value_bn: num("amount")};
    return {...c, first: num("first"), last: num("last"), additionality: num("additionality")};
  });
  w.method = $("method").value;
  w.basis = document.querySelector('input[name="basis"]:checked').value;
  const h = $("horizon").value;
  w.horizon = h === "" ? NaN : Number(h);
  // NaN is not JSON: send null, and the server says which control
  if (Number.isNaN(w.rate)) w.rate = null;
  if (Number.isNaN(w.horizon)) w.horizon = null;
  return w;
}

function setControls(w) {
  $("base").value = w.base;
  $("rate").value = Math.min(w.rate, Number($("rate").max));
  $("rate-number").value = w.rate;
  for (const e of state.exemptions) $("ex-" + e.key).checked = w.exempt.includes(e.key);
  $("commitments").replaceChildren();
  for (const c of w.commitments || []) addCommitment(c);
  $("method").value = w.method;
  $("basis-" + w.basis).checked = true;
  $("horizon").value = w.horizon;
}

function optionLabel(kind, x) {
  if (kind === "item") return state.lang === "vi" ? x.name_vi : x.name_en;
  return `${x.code} ${state.lang === "vi" ? x.name_vi : x.name}`.slice(0, 60);
}

function amountLabel(row) {
  const what = row.querySelector('[data-key="product"]').value;
  const span = row.querySelector('[data-role="amount-label"]');
  if (what.startsWith("item:")) {
    const it = state.items.find((i) => i.name === what.slice(5));
    span.textContent = T("units_label", it ? (state.lang === "vi" ? it.unit_vi : it.unit_en) : "",
      it ? it.unit_usd : 0);
  } else span.textContent = T("value_bn");
}

function fillOptions(sel) {
  const chosen = sel.value;
  sel.replaceChildren();
  const gi = document.createElement("optgroup"); gi.label = T("items_group");
  for (const it of state.items) {
    const o = document.createElement("option"); o.value = "item:" + it.name; o.textContent = optionLabel("item", it);
    gi.appendChild(o);
  }
  const gp = document.createElement("optgroup"); gp.label = T("products_group");
  for (const p of state.products) {
    const o = document.createElement("option"); o.value = p.code; o.textContent = optionLabel("product", p);
    gp.appendChild(o);
  }
  sel.append(gi, gp);
  if (chosen) sel.value = chosen;
}

function addCommitment(c) {
  const rows = $("commitments");
  const i = rows.children.length;
  const first = state.controls ? state.controls.first_year : 2025;
  const horizon = Number($("horizon").value) || 2030;
  c = c || {item: "boeing-737-max-8", units: 10, first: Math.min(2027, horizon), last: horizon, additionality: 1};
  const row = document.createElement("div");
  row.className = "commitment"; row.dataset.row = String(i);
  const sel = document.createElement("select");
  sel.dataset.key = "product"; sel.setAttribute("aria-label", "product");
  fillOptions(sel);
  sel.value = c.item ? "item:" + c.item : c.product;
  const num = (key, value, attrs, role) => {
    const inp = document.createElement("input");
    inp.type = "number"; inp.dataset.key = key; inp.value = value === null || value === undefined ? "" : value;
    for (const [k, v] of Object.entries(attrs)) inp.setAttribute(k, v);
    const lab = document.createElement("label");
    lab.className = "small";
    const span = document.createElement("span");
    if (role) span.dataset.role = role; else { span.dataset.i18n = key; span.textContent = T(key); }
    lab.append(span, inp);
    return lab;
  };
  const rm = document.createElement("button");
  rm.type = "button"; rm.className = "remove"; rm.dataset.i18n = "remove"; rm.textContent = T("remove");
  rm.addEventListener("click", () => { row.remove(); renumber(); update(); });
  row.append(sel,
    num("amount", c.item ? c.units : c.value_bn, {step: "any", min: "0"}, "amount-label"),
    num("first", c.first, {step: "1", min: String(first)}),
    num("last", c.last, {step: "1", min: String(first)}),
    num("additionality", c.additionality, {step: "0.05", min: "0", max: "1"}),
    rm);
  sel.addEventListener("change", () => amountLabel(row));
  rows.appendChild(row);
  amountLabel(row);
}

function renumber() {
  [...document.querySelectorAll("#commitments .commitment")].forEach((r, i) => { r.dataset.row = String(i); });
}

// ------------------------------------------------------------------ rendering

function render() {
  const r = state.result;
  if (!r) return;
  const y = r.year;
  $("box-balance-label").textContent = T("box_balance", y) + ", " + T("unit");
  $("box-baseline-label").textContent = T("box_baseline", y) + ", " + T("unit");
  $("box-change-label").textContent = T("box_change") + ", " + T("unit");
  $("box-balance").textContent = formatBn(r.headline.balance, state.lang);
  $("box-baseline").textContent = formatBn(r.headline.balance_baseline, state.lang);
  $("box-change").textContent = formatBn(r.headline.change, state.lang, true);
  $("box-change").className = "box-value " + (r.headline.change >= 0 ? "pos" : "neg");
  $("trajectory-title").textContent = T("trajectory") + ", " + T("unit");
  $("basis-note").textContent = T(r.scenario.basis === "vn" ? "basis_note_vn" : "basis_note_us");
  const band = state.band && state.band.digest === r.scenario.digest ? state.band : null;
  drawTrajectory($("chart"), {
    years: r.years,
    lines: [{values: r.balance_baseline, cls: "baseline", label: T("legend_baseline")},
            {values: r.balance, cls: "scenario", label: T("legend_scenario")}],
    band: band ? {low: band.q05, high: band.q95, label: T("legend_band", band.draws)} : null,
  }, state.lang);
  $("band-note").textContent = band ? "" : T("band_wait");
  $("products-title").textContent = T("products_title", y) + ", " + T("unit");
  drawBars($("products"), r.products.map((p) => ({label: `${state.lang === "vi" ? p.name_vi : p.name} (${p.code})`,
    title: p.code, value: p.balance_change})), state.lang);
  $("market-title").textContent = T("market_title", y);
  const market = r.market.map((m) => ({label: (state.lang === "vi" ? m.name_vi : m.name) || m.exporter, title: m.exporter,
    value: m.share - m.share_base, extra: formatBn(m.change, state.lang, true)}));
  market.sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  drawBars($("market"), market.slice(0, 8), state.lang, T("market_head"));
  $("decomp-title").textContent = T("decomp_title", y) + ", " + T("unit") +
    (r.scenario.basis === "vn" ? T("decomp_us") : "");
  const names = I18N[state.lang].parts;
  const parts = state.parts && state.parts.digest === r.scenario.digest ? state.parts.decomposition : [];
  drawBars($("decomposition"), parts.map((d) => ({label: names[d.part] || d.name, value: d.value})), state.lang);
  renderPinned();
}

function describe(w) {
  const short = T("group_short");
  const groups = w.exempt.length ? w.exempt.map((k) => short[k] || k).join(", ") : T("exempt_none");
  return T("pin_desc", w, groups);
}

function renderPinned() {
  const box = $("pinned");
  box.replaceChildren();
  if (!state.pinned.length) {
    const p = document.createElement("p"); p.className = "note"; p.textContent = T("pinned_none");
    box.appendChild(p); return;
  }
  const grid = document.createElement("div"); grid.className = "pins";
  state.pinned.forEach((pin, i) => {
    const card = document.createElement("div"); card.className = "pin"; card.dataset.pin = String(i);
    const h = document.createElement("h3"); h.textContent = T("pin_label", i + 1);
    const d = document.createElement("p"); d.className = "note"; d.textContent = describe(pin.whatif);
    const r = pin.result;
    const dl = document.createElement("dl");
    for (const [k, v, signed] of [[T("box_balance", r.year), r.headline.balance],
      [T("box_baseline", r.year), r.headline.balance_baseline], [T("box_change"), r.headline.change, true]]) {
      const dt = document.createElement("dt"); dt.textContent = k + ", " + T("unit");
      const dd = document.createElement("dd"); dd.textContent = formatBn(v, state.lang, signed);
      dl.append(dt, dd);
    }
    const rm = document.createElement("button"); rm.type = "button"; rm.textContent = T("unpin");
    rm.addEventListener("click", () => { state.pinned.splice(i, 1); renderPinned(); });
    card.append(h, d, dl, rm);
    grid.appendChild(card);
  });
  box.appendChild(grid);
  // the pinned trajectories together (common years), beside the current what-if
  const runs = state.pinned.map((p, i) => ({values: p.result.balance, years: p.result.years,
    cls: "pin" + i, label: T("pin_label", i + 1)}));
  if (state.result) runs.push({values: state.result.balance, years: state.result.years,
    cls: "scenario", label: T("legend_scenario")});
  const n = Math.min(...runs.map((r) => r.years.length));
  const chart = document.createElement("div"); chart.className = "chart"; chart.id = "pins-chart";
  box.appendChild(chart);
  drawTrajectory(chart, {years: runs[0].years.slice(0, n),
    lines: runs.map((r) => ({values: r.values.slice(0, n), cls: r.cls, label: r.label})),
    band: null}, state.lang);
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((e) => {
    const v = T(e.dataset.i18n);
    if (typeof v === "string") e.textContent = v;
  });
  $("lang-vi").classList.toggle("active", state.lang === "vi");
  $("lang-en").classList.toggle("active", state.lang === "en");
  for (const e of state.exemptions) $("ex-label-" + e.key).textContent = state.lang === "vi" ? e.label_vi : e.label_en;
  document.querySelectorAll('#commitments [data-key="product"]').forEach((sel) => fillOptions(sel));
  document.querySelectorAll("#commitments .commitment").forEach((row) => amountLabel(row));
  renderMeasure();
  render();
  if (state.lastError) showErrors(state.lastError);
}

function renderMeasure() {
  const c = state.controls;
  if (!c) return;
  $("rate-measure").textContent = c.measure ? T("rate_measure", c.measure.id, c.measure.from)
    : T("rate_added", `${c.first_year}-01-01`);
}

// ------------------------------------------------------------------ updates

let timer = null;
function update() {
  clearTimeout(timer);
  timer = setTimeout(run, 120);
}

async function run() {
  const w = readControls();
  const seq = ++state.seq;
  document.body.classList.add("busy");
  try {
    const result = await api("simulate", {whatif: w, decompose: false});
    if (seq !== state.seq) return;
    state.whatif = w; state.result = result; state.lastError = null;
    clearErrors();
    history.replaceState(null, "", "#w=" + encodeURIComponent(JSON.stringify(w)));
    $("permalink").href = location.href;
    render();
    document.body.dataset.digest = result.scenario.digest;
    document.body.classList.remove("busy");
    runParts(w, seq);
    runBand(w, result.scenario.digest, seq);
  } catch (err) {
    if (seq !== state.seq) return;
    state.lastError = err;
    showErrors(err);
    document.body.classList.remove("busy");
  }
}

async function runParts(w, seq) {
  try {
    const parts = await api("decompose", {whatif: w});
    if (seq !== state.seq) return;
    state.parts = parts;
    render();
    document.body.dataset.parts = parts.digest;
  } catch (err) { /* shown with the next update's errors, if any */ }
}

async function runBand(w, digest, seq) {
  try {
    const band = await api("montecarlo", {whatif: w, draws: w.method === "ces" ? DRAWS : Math.min(DRAWS, 40)});
    if (seq !== state.seq) return;
    state.band = {...band, digest};
    render();
    document.body.dataset.band = digest;
  } catch (err) { /* the band is optional: the main result stands */ }
}

async function changeBase() {
  const base = $("base").value;
  try {
    state.controls = await api("controls?base=" + encodeURIComponent(base));
    setControls(state.controls.whatif);
    renderMeasure();
    update();
  } catch (err) { showErrors(err); }
}

async function download(kind) {
  try {
    const {blob, name} = await apiBlob("download/" + kind, {whatif: readControls()});
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
  } catch (err) { showErrors(err); }
}

async function init() {
  const [scenarios, products, exemptions, items] = await Promise.all(
    [api("scenarios"), api("products"), api("exemptions"), api("items")]);
  state.products = products; state.exemptions = exemptions; state.items = items;
  const sel = $("base");
  for (const s of scenarios) {
    const o = document.createElement("option"); o.value = s.name; o.textContent = s.name; o.title = s.title;
    sel.appendChild(o);
  }
  for (const e of exemptions) {
    const lab = document.createElement("label"); lab.className = "check";
    const box = document.createElement("input"); box.type = "checkbox"; box.id = "ex-" + e.key;
    const span = document.createElement("span"); span.id = "ex-label-" + e.key;
    lab.title = e.codes.join(", ");
    lab.append(box, " ", span);
    $("exemptions").appendChild(lab);
    box.addEventListener("change", update);
  }
  const saved = new URLSearchParams(location.hash.slice(1)).get("w");
  let w = null;
  if (saved) { try { w = JSON.parse(saved); } catch (e) { w = null; } }
  state.controls = await api("controls?base=" + encodeURIComponent((w && w.base) || "framework-2025"));
  setControls(w || state.controls.whatif);
  const lang = new URLSearchParams(location.search).get("lang");
  if (lang === "en" || lang === "vi") state.lang = lang;
  applyLanguage();
  $("rate").addEventListener("input", () => { $("rate-number").value = $("rate").value; update(); });
  $("rate-number").addEventListener("input", () => { $("rate").value = $("rate-number").value; update(); });
  for (const id of ["method", "horizon"]) $(id).addEventListener("input", update);
  document.querySelectorAll('input[name="basis"]').forEach((e) => e.addEventListener("change", update));
  $("commitments").addEventListener("input", update);
  $("base").addEventListener("change", changeBase);
  $("add-commitment").addEventListener("click", () => { addCommitment(); update(); });
  $("lang-vi").addEventListener("click", () => { state.lang = "vi"; applyLanguage(); });
  $("lang-en").addEventListener("click", () => { state.lang = "en"; applyLanguage(); });
  $("pin").addEventListener("click", () => {
    if (!state.result) return;
    if (state.pinned.length >= 3) { $("general-error").textContent = T("pinned_full"); return; }
    state.pinned.push({whatif: state.whatif, result: state.result}); renderPinned();
  });
  $("dl-toml").addEventListener("click", () => download("toml"));
  $("dl-report").addEventListener("click", () => download("report"));
  run();
}

init().catch((err) => { $("general-error").textContent = T("error_server"); });
