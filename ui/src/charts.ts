// Small DOM/SVG charts: no chart library needed for a bar list, a stacked bar and a line.
import type { Part } from "./data";

export const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
  "#b07aa1", "#ff9da7", "#9c755f", "#2f4b7c", "#a05195", "#665191",
];
export const NO_COMMUNITY = "#9aa3b2";

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export const fmt = (v: number | null, digits = 1): string => (v === null ? "—" : v.toFixed(digits));

/** Parts of a score as a stacked bar plus one labelled bar each; the parts sum to the score. */
export function partsChart(parts: Part[], score: number | null, title: string): HTMLElement {
  const wrap = el("figure", { class: "bars explanation", "data-score": String(score ?? "") });
  const sum = parts.reduce((a, p) => a + p.value, 0);
  wrap.append(el("figcaption", {}, `${title} — parts sum to ${fmt(sum, 2)} (score ${fmt(score, 2)})`));
  const total = parts.reduce((a, p) => a + Math.abs(p.value), 0) || 1;
  const stack = el("div", { class: "stack", role: "img", "aria-label": `${title}: ${parts.map((p) => `${p.label} ${fmt(p.value, 2)}`).join(", ")}` });
  parts.forEach((p, i) => {
    const seg = el("div", { title: `${p.label}: ${fmt(p.value, 2)}` });
    seg.style.width = `${(100 * Math.abs(p.value)) / total}%`;
    seg.style.background = PALETTE[i % PALETTE.length];
    stack.append(seg);
  });
  wrap.append(stack);
  const max = Math.max(...parts.map((p) => Math.abs(p.value)), 1e-9);
  parts.forEach((p, i) => {
    const row = el("div", { class: "bar-row part", "data-part-label": p.label, "data-part-value": String(p.value) });
    row.append(el("span", {}, p.label));
    const track = el("div", { class: "bar-track" });
    const bar = el("div", { class: "bar" });
    bar.style.width = `${(100 * Math.abs(p.value)) / max}%`;
    bar.style.background = PALETTE[i % PALETTE.length];
    track.append(bar);
    row.append(track, el("span", {}, fmt(p.value, 2)));
    wrap.append(row);
  });
  return wrap;
}

/** Labelled horizontal bars (top topics, per-network scores). */
export function barList(rows: { label: string; value: number | null }[], cls = ""): HTMLElement {
  const wrap = el("div", { class: `bars ${cls}` });
  const max = Math.max(...rows.map((r) => Math.abs(r.value ?? 0)), 1e-9);
  for (const r of rows) {
    const row = el("div", { class: "bar-row" });
    row.append(el("span", {}, r.label));
    const track = el("div", { class: "bar-track" });
    const bar = el("div", { class: "bar" });
    bar.style.width = `${(100 * Math.abs(r.value ?? 0)) / max}%`;
    bar.style.background = PALETTE[0];
    track.append(bar);
    row.append(track, el("span", {}, fmt(r.value, 2)));
    wrap.append(row);
  }
  return wrap;
}

/** Score over time as an SVG polyline. */
export function lineChart(points: { at: string; score: number }[]): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const w = 300, h = 90, pad = 18;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  svg.setAttribute("class", "history");
  svg.setAttribute("aria-label", `Score history: ${points.map((p) => `${p.at} ${p.score.toFixed(1)}`).join(", ")}`);
  const lo = Math.min(...points.map((p) => p.score)), hi = Math.max(...points.map((p) => p.score));
  const span = hi - lo || 1;
  const xy = points.map((p, i) => [
    pad + ((w - 2 * pad) * i) / Math.max(points.length - 1, 1),
    h - pad - ((h - 2 * pad) * (p.score - lo)) / span,
  ]);
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", xy.map(([x, y]) => `${x},${y}`).join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", PALETTE[0]);
  line.setAttribute("stroke-width", "2");
  svg.append(line);
  for (const [x, y] of xy) {
    const c = document.createElementNS(ns, "circle");
    c.setAttribute("cx", String(x)); c.setAttribute("cy", String(y)); c.setAttribute("r", "2.5");
    c.setAttribute("fill", PALETTE[0]);
    svg.append(c);
  }
  for (const [text, y] of [[hi.toFixed(1), pad], [lo.toFixed(1), h - pad]] as const) {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", "0"); t.setAttribute("y", String(y)); t.setAttribute("font-size", "9");
    t.textContent = text;
    svg.append(t);
  }
  return svg;
}
