// The balance trajectory as a hand-drawn SVG: lines by year, an optional band (low/high).
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, text) {
  const e = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// spec: {years, lines: [{values, cls, label}], band: {low, high, label} | null}
function drawTrajectory(container, spec, lang) {
  const W = 640, H = 280, m = {l: 56, r: 12, t: 12, b: 44};
  const all = spec.lines.flatMap((l) => l.values)
    .concat(spec.band ? spec.band.low.concat(spec.band.high) : []);
  let lo = Math.min(...all), hi = Math.max(...all);
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad; hi += pad;
  const x0 = spec.years[0], x1 = spec.years[spec.years.length - 1];
  const X = (y) => m.l + (W - m.l - m.r) * (y - x0) / Math.max(x1 - x0, 1);
  const Y = (v) => m.t + (H - m.t - m.b) * (hi - v) / (hi - lo);
  const svg = svgEl("svg", {viewBox: `0 0 ${W} ${H}`, role: "img", class: "trajectory"});
  const step = niceStep((hi - lo) / 5);
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) {
    svg.appendChild(svgEl("line", {x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), class: "grid"}));
    svg.appendChild(svgEl("text", {x: m.l - 6, y: Y(v) + 4, class: "tick", "text-anchor": "end"},
      formatBn(v, lang).replace(/[.,]0$/, "")));
  }
  spec.years.forEach((y) => {
    svg.appendChild(svgEl("text", {x: X(y), y: H - m.b + 16, class: "tick", "text-anchor": "middle"}, String(y)));
  });
  if (spec.band) {
    const top = spec.years.map((y, i) => `${X(y)},${Y(spec.band.high[i])}`);
    const bot = spec.years.map((y, i) => `${X(y)},${Y(spec.band.low[i])}`).reverse();
    svg.appendChild(svgEl("polygon", {points: top.concat(bot).join(" "), class: "band"}));
  }
  for (const line of spec.lines) {
    const pts = spec.years.map((y, i) => `${X(y)},${Y(line.values[i])}`).join(" ");
    svg.appendChild(svgEl("polyline", {points: pts, class: "line " + line.cls}));
  }
  // legend
  let lx = m.l;
  const items = spec.lines.map((l) => [l.cls, l.label]);
  if (spec.band) items.push(["band", spec.band.label]);
  for (const [cls, label] of items) {
    svg.appendChild(svgEl("rect", {x: lx, y: H - 16, width: 14, height: 6, class: "key " + cls}));
    const t = svgEl("text", {x: lx + 18, y: H - 10, class: "legend"}, label);
    svg.appendChild(t);
    lx += 30 + label.length * 6.5;
  }
  container.replaceChildren(svg);
}

function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const k of [1, 2, 2.5, 5, 10]) if (raw <= k * p) return k * p;
  return 10 * p;
}

// A table of signed values with a bar each: rows [{label, value, extra}]
function drawBars(table, rows, lang, headers) {
  const max = Math.max(1e-9, ...rows.map((r) => Math.abs(r.value)));
  table.replaceChildren();
  if (headers) {
    const tr = document.createElement("tr");
    const cls = ["name", "barcell", "num", "num"];
    headers.forEach((h, i) => { const th = document.createElement("th"); th.className = cls[i]; th.textContent = h; tr.appendChild(th); });
    table.appendChild(tr);
  }
  for (const r of rows) {
    const tr = document.createElement("tr");
    const name = document.createElement("td");
    name.className = "name"; name.textContent = r.label; name.title = r.title || r.label;
    const bar = document.createElement("td");
    bar.className = "barcell";
    const b = document.createElement("span");
    b.className = "bar " + (r.value >= 0 ? "pos" : "neg");
    b.style.width = (48 * Math.abs(r.value) / max).toFixed(1) + "%";
    b.style[r.value >= 0 ? "left" : "right"] = "50%";
    bar.appendChild(b);
    const val = document.createElement("td");
    val.className = "num"; val.textContent = formatBn(r.value, lang, true);
    tr.append(name, bar, val);
    if (r.extra !== undefined) {
      const ex = document.createElement("td"); ex.className = "num"; ex.textContent = r.extra; tr.appendChild(ex);
    }
    table.appendChild(tr);
  }
}
