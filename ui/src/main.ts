// The influence explorer: search people, grow their ego network, read their card, browse topics.
import Graph from "graphology";
import Sigma from "sigma";
import forceAtlas2 from "graphology-layout-forceatlas2";
import FA2Layout from "graphology-layout-forceatlas2/worker";
import { Client } from "./gql";
import { Api, Neighbour, PersonDetail, PersonLite } from "./data";
import { barList, el, fmt, lineChart, NO_COMMUNITY, PALETTE, partsChart } from "./charts";
import { runBench } from "./bench";
import "./style.css";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

const NEIGHBOURS_PER_EXPAND = 25;
/** The landing view: the top people and each one's strongest links. */
const LANDING_PEOPLE = 15;
const LANDING_LINKS = 6;
const START_HINT = "Top people and their strongest links. Click a node, or search by name or handle.";

interface NodeAttrs {
  x: number; y: number; size: number; color: string; label: string; hidden?: boolean;
  person: PersonLite; expanded: boolean;
}
interface EdgeAttrs { size: number; color: string; hidden?: boolean; weight: number; kinds: string[] }

declare global {
  interface Window {
    __influence?: {
      graph: Graph<NodeAttrs, EdgeAttrs>;
      renderer: Sigma<NodeAttrs, EdgeAttrs>;
      visible(): { nodes: number; edges: number };
      busy: number;
    };
  }
}

const graph = new Graph<NodeAttrs, EdgeAttrs>({ type: "undirected", multi: false });
const communityColour = new Map<string, string>();
const communityLabel = new Map<string, string>();
let selected: string | null = null;
let renderer: Sigma<NodeAttrs, EdgeAttrs> | null = null;
let layout: FA2Layout | null = null;
let layoutTimer: number | undefined;
let api: Api;
let busy = 0;

function colourOf(community: string | null, label: string | null): string {
  if (community === null) return NO_COMMUNITY;
  let c = communityColour.get(community);
  if (!c) {
    c = PALETTE[communityColour.size % PALETTE.length];
    communityColour.set(community, c);
    communityLabel.set(community, label ?? `Community ${community}`);
  }
  return c;
}

const sizeOf = (score: number | null): number => (score === null ? 3 : 3 + 14 * Math.sqrt(Math.max(score, 0) / 100));

function setStatus(text: string, error = false): void {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  busy++;
  document.body.dataset.busy = String(busy);
  try {
    return await fn();
  } catch (e) {
    setStatus(`${what} failed: ${(e as Error).message}`, true);
    return undefined;
  } finally {
    busy--;
    document.body.dataset.busy = String(busy);
  }
}

// ---------------------------------------------------------------- graph

function upsertPerson(p: PersonLite, near?: { x: number; y: number }, i = 0, n = 1): string {
  if (graph.hasNode(p.id)) {
    const prev = graph.getNodeAttribute(p.id, "person");
    graph.mergeNodeAttributes(p.id, {
      person: { ...prev, ...p, topics: p.topics.length ? p.topics : prev.topics },
      size: sizeOf(p.score), color: colourOf(p.community, p.communityLabel), label: p.label,
    });
    return p.id;
  }
  const angle = (2 * Math.PI * i) / Math.max(n, 1) + Math.random() * 0.2;
  const r = near ? 30 + Math.random() * 20 : 0;
  graph.addNode(p.id, {
    x: (near?.x ?? Math.random() * 10) + r * Math.cos(angle),
    y: (near?.y ?? Math.random() * 10) + r * Math.sin(angle),
    size: sizeOf(p.score), color: colourOf(p.community, p.communityLabel), label: p.label,
    person: p, expanded: false,
  });
  return p.id;
}

function addNeighbours(centre: string, list: Neighbour[], expanded = true): void {
  const at = graph.getNodeAttributes(centre);
  const maxW = Math.max(...list.map((n) => n.weight), 1);
  list.forEach((nb, i) => {
    const id = upsertPerson(nb.person, at, i, list.length);
    const w = 0.6 + 5 * Math.sqrt(nb.weight / maxW);
    if (graph.hasEdge(centre, id)) {
      const e = graph.edge(centre, id)!;
      const prev = graph.getEdgeAttributes(e);
      graph.mergeEdgeAttributes(e, {
        weight: Math.max(prev.weight, nb.weight), size: Math.max(prev.size, w),
        kinds: [...new Set([...prev.kinds, ...nb.kinds])],
      });
    } else {
      graph.addEdge(centre, id, { size: w, color: "#b8bfcc", weight: nb.weight, kinds: nb.kinds });
    }
  });
  if (expanded) graph.setNodeAttribute(centre, "expanded", true);
}

/** Run ForceAtlas2 for `ms`; strong gravity keeps parts that share no link in view. With
 * `fit`, the camera is reset afterwards so that the whole graph fills the canvas. */
function runLayout(ms = 1500, fit = false): void {
  if (!renderer || graph.order < 3) return;
  if (!layout) {
    layout = new FA2Layout(graph, { settings: {
      barnesHutOptimize: graph.order > 500, slowDown: 5, scalingRatio: 10,
      strongGravityMode: true, gravity: 0.08, adjustSizes: graph.order <= 500,
    } });
  }
  window.clearTimeout(layoutTimer);
  layout.start();
  layoutTimer = window.setTimeout(() => {
    layout?.stop();
    if (fit) {
      void renderer?.getCamera().animatedReset({ duration: 300 })
        .then(() => { $("graph").dataset.fitted = "true"; });
    }
  }, ms);
}

function resetLayout(): void {
  layout?.kill();
  layout = null;
}

interface Filters { minScore: number; topic: string; network: string; kind: string; direction: string }

function filters(): Filters {
  return {
    minScore: Number(($("f-min-score") as HTMLInputElement).value),
    topic: ($("f-topic") as HTMLSelectElement).value,
    network: ($("f-network") as HTMLSelectElement).value,
    kind: ($("f-kind") as HTMLSelectElement).value,
    direction: ($("f-direction") as HTMLSelectElement).value,
  };
}

const edgesHaveKinds = (): boolean => graph.someEdge((_e, a) => a.kinds.length > 0);

function applyFilters(): void {
  const f = filters();
  $("f-min-score-out").textContent = String(f.minScore);
  graph.forEachNode((id, a) => {
    const p = a.person;
    const anchor = a.expanded || id === selected;
    let hide = false;
    if (!anchor) {
      if (f.minScore > 0 && (p.score === null || p.score < f.minScore)) hide = true;
      if (f.network && !p.networks.includes(f.network)) hide = true;
      if (f.topic && !p.topics.includes(f.topic)) hide = true;
    }
    graph.setNodeAttribute(id, "hidden", hide);
  });
  const kindClientSide = f.kind && edgesHaveKinds();
  graph.forEachEdge((e, a, s, t) => {
    const hide = !!graph.getNodeAttribute(s, "hidden") || !!graph.getNodeAttribute(t, "hidden")
      || (kindClientSide ? !a.kinds.includes(f.kind) : false);
    graph.setEdgeAttribute(e, "hidden", hide);
  });
  if (kindClientSide) {
    // people reached only through hidden links are hidden too
    graph.forEachNode((id, a) => {
      if (a.expanded || id === selected || a.hidden) return;
      if (!graph.someEdge(id, (_e, ea) => !ea.hidden)) graph.setNodeAttribute(id, "hidden", true);
    });
  }
  updateLegend();
  updateStatus();
}

function visible(): { nodes: number; edges: number } {
  return {
    nodes: graph.filterNodes((_n, a) => !a.hidden).length,
    edges: graph.filterEdges((_e, a) => !a.hidden).length,
  };
}

function updateStatus(): void {
  const v = visible();
  const s = $("status");
  s.dataset.visibleNodes = String(v.nodes);
  s.dataset.visibleEdges = String(v.edges);
  s.dataset.nodes = String(graph.order);
  setStatus(`${v.nodes} of ${graph.order} people shown, ${v.edges} of ${graph.size} links`);
}

function updateLegend(): void {
  const counts = new Map<string, number>();
  graph.forEachNode((_id, a) => {
    if (a.hidden) return;
    const c = a.person.community ?? "";
    counts.set(c, (counts.get(c) ?? 0) + 1);
  });
  const ul = $("legend");
  ul.replaceChildren();
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  for (const [c, n] of entries.slice(0, 12)) {
    const li = el("li");
    const sw = el("span", { class: "swatch", "aria-hidden": "true" });
    sw.style.background = c ? communityColour.get(c) ?? NO_COMMUNITY : NO_COMMUNITY;
    li.append(sw, document.createTextNode(`${c ? communityLabel.get(c) : "No community"} (${n})`));
    ul.append(li);
  }
  if (!entries.length) ul.append(el("li", {}, "Nothing shown yet."));
  // network options follow what is in the graph
  const nets = new Set<string>();
  graph.forEachNode((_id, a) => a.person.networks.forEach((x) => nets.add(x)));
  syncOptions($("f-network") as HTMLSelectElement, [...nets].sort());
  if (!api.hasTopics) {
    const topics = new Set<string>();
    graph.forEachNode((_id, a) => a.person.topics.forEach((x) => topics.add(x)));
    syncOptions($("f-topic") as HTMLSelectElement, [...topics].sort());
  }
  if (!api.kindValues().length) {
    const kinds = new Set<string>();
    graph.forEachEdge((_e, a) => a.kinds.forEach((k) => kinds.add(k)));
    syncOptions($("f-kind") as HTMLSelectElement, [...kinds].sort());
  }
}

function syncOptions(sel: HTMLSelectElement, values: string[]): void {
  const have = new Set([...sel.options].map((o) => o.value));
  for (const v of values) if (!have.has(v)) sel.append(el("option", { value: v }, v));
}

async function expand(id: string): Promise<void> {
  if (!api.canExpand) return;
  const f = filters();
  const list = await guarded("Expanding", () => api.neighbours(id, {
    direction: f.direction, kind: f.kind && !edgesHaveKinds() ? f.kind : null,
    first: NEIGHBOURS_PER_EXPAND, withTopics: api.personTopics,
  }));
  if (!list) return;
  addNeighbours(id, list);
  applyFilters();
  runLayout();
}

async function rebuild(): Promise<void> {
  const expanded = graph.filterNodes((_n, a) => a.expanded);
  const keep = new Map(expanded.map((id) => [id, graph.getNodeAttribute(id, "person")]));
  resetLayout();
  graph.clear();
  for (const [, p] of keep) upsertPerson(p);
  for (const id of keep.keys()) await expand(id);
  applyFilters();
}

async function focusPerson(p: PersonLite): Promise<void> {
  upsertPerson(p);
  selected = p.id;
  renderer?.refresh();
  // the card lists the neighbours, so it is drawn once both the details and the expansion are in
  const [detail] = await Promise.all([
    guarded("Loading the person", () => api.detail(p.id)),
    graph.getNodeAttribute(p.id, "expanded") ? Promise.resolve() : expand(p.id),
  ]);
  if (detail) drawCard(detail);
  applyFilters();
}

// ---------------------------------------------------------------- card

function drawCard(d: PersonDetail): void {
  const card = $("card");
  upsertPerson(d);
  card.replaceChildren(...renderCard(d));
  card.dataset.person = d.id;
}

function renderCard(d: PersonDetail): HTMLElement[] {
  const out: HTMLElement[] = [];
  out.push(el("h2", { id: "card-title" }, d.label));
  out.push(el("p", { class: "hint" }, d.id));
  const facts = el("dl", { class: "facts" });
  const fact = (k: string, v: string, testid: string) => {
    facts.append(el("dt", {}, k), el("dd", { "data-testid": testid }, v));
  };
  fact("Score", fmt(d.score, 2), "score");
  fact("Percentile", d.percentile === null ? "—" : `${fmt(d.percentile)} %`, "percentile");
  if (api.gql.has("person.confidence")) fact("Confidence", fmt(d.confidence, 2), "confidence");
  if (d.consent !== null) fact("Consent", d.consent.toLowerCase().replace(/_/g, " "), "consent");
  if (d.community !== null) fact("Community", communityLabel.get(d.community) ?? d.community, "community");
  fact("Accounts", d.accounts.map((a) => `${a.network}:${a.handle ?? a.id}`).join(", ") || "—", "accounts");
  out.push(facts);
  const profiles = d.accounts.filter((a) => a.url !== null);
  if (profiles.length) {
    const ul = el("ul", { class: "profiles", "data-testid": "profiles" });
    for (const a of profiles) {
      const link = el("a", { href: a.url!, target: "_blank", rel: "noopener noreferrer" }, `Profile on ${a.network}`);
      const li = el("li");
      li.append(link);
      ul.append(li);
    }
    out.push(ul);
  }
  if (d.score === null) {
    out.push(el("p", { class: "hint" }, "The score is not shown: the consent policy does not publish it."));
  }
  if (d.explanation && d.explanation.groups.length) {
    const sec = el("section", { "data-testid": "explanation", "aria-labelledby": "ex-h" });
    sec.append(el("h3", { id: "ex-h" }, "Why this score"));
    for (const g of d.explanation.groups) sec.append(partsChart(g.parts, d.explanation.score, g.title));
    const carriers = d.explanation.topPeople.filter((p): p is { label: string; value: number } => p.value !== null);
    if (carriers.length) sec.append(partsChart(carriers, d.explanation.score, "Who carries it"));
    for (const h of d.explanation.hints) sec.append(el("p", { class: "hint" }, h));
    out.push(sec);
  }
  if (d.topTopics.length) {
    const sec = el("section", { "data-testid": "topics" });
    sec.append(el("h3", {}, "Top topics"), barList(d.topTopics.map((t) => ({ label: t.name, value: t.value }))));
    out.push(sec);
  }
  if (d.networkScores.length) {
    const sec = el("section", { "data-testid": "networks" });
    sec.append(el("h3", {}, "By network"), barList(d.networkScores.map((n) => ({ label: n.network, value: n.score }))));
    out.push(sec);
  }
  if (d.history && d.history.length) {
    const sec = el("section", { "data-testid": "history" });
    sec.append(el("h3", {}, "Score history"));
    sec.append(lineChart(d.history) as unknown as HTMLElement);
    out.push(sec);
  }
  if (graph.hasNode(d.id)) {
    const nbs = graph.neighbors(d.id)
      .map((n) => ({ id: n, a: graph.getNodeAttributes(n), w: graph.getEdgeAttribute(graph.edge(d.id, n)!, "weight") }))
      .sort((x, y) => y.w - x.w);
    if (nbs.length) {
      const sec = el("section", { "data-testid": "neighbours", "aria-labelledby": "nb-h" });
      sec.append(el("h3", { id: "nb-h" }, "Neighbours by weight"));
      const ul = el("ul", { class: "results neigh" });
      for (const nb of nbs.slice(0, 30)) {
        const li = el("li");
        const b = el("button", { type: "button", "data-person": nb.id, "aria-label": `Show and expand ${nb.a.label}` }, nb.a.label);
        b.addEventListener("click", () => void focusPerson(nb.a.person));
        li.append(b, el("span", { class: "hint" }, `weight ${fmt(nb.w, 1)}`));
        ul.append(li);
      }
      sec.append(ul);
      out.push(sec);
    }
  }
  return out;
}

// ---------------------------------------------------------------- search

async function search(text: string | null): Promise<PersonLite[]> {
  const ul = $("results");
  const found = await guarded("Search", () => (text === null ? api.leaderboard(null, LANDING_PEOPLE) : api.search(text)));
  if (!found) return [];
  $("results-h").textContent = text === null ? "Top people" : "Results";
  ul.replaceChildren();
  if (!found.length) ul.append(el("li", { class: "hint" }, `Nobody matches “${text}”.`));
  for (const p of found) {
    const li = el("li");
    const b = el("button", { type: "button", "data-person": p.id }, `${p.label} · ${fmt(p.score)}`);
    b.addEventListener("click", () => void focusPerson(p));
    li.append(b);
    ul.append(li);
  }
  if (text !== null) setStatus(`${found.length} found`);
  return found;
}

/** Draw the top people and each one's strongest links (a few requests at a time). */
async function landing(top: PersonLite[]): Promise<void> {
  // On a wide circle, best first, so that each one's links start around it, not in one heap.
  const radius = 60 * Math.sqrt(top.length);
  top.forEach((p, i) => {
    const angle = (2 * Math.PI * i) / Math.max(top.length, 1);
    upsertPerson(p, { x: radius * Math.cos(angle), y: radius * Math.sin(angle) });
  });
  if (api.canExpand) {
    for (let i = 0; i < top.length; i += 4) {
      const batch = top.slice(i, i + 4);
      const lists = await Promise.all(batch.map((p) => guarded("Loading links", () => api.neighbours(p.id, {
        direction: "BOTH", kind: null, first: LANDING_LINKS, withTopics: api.personTopics,
      }))));
      batch.forEach((p, j) => { const l = lists[j]; if (l) addNeighbours(p.id, l, false); });
    }
  }
  applyFilters();
  runLayout(2500, true);
  $("graph").dataset.landing = String(top.length);
}

// ---------------------------------------------------------------- topics view

let topicRenderer: Sigma | null = null;

async function showTopics(): Promise<void> {
  const [topics, comms] = await Promise.all([
    guarded("Loading topics", () => api.topics(null, 100)),
    guarded("Loading communities", () => api.topicCommunities()),
  ]);
  const list = $("topic-list");
  list.replaceChildren();
  if (!topics || !topics.length) {
    list.append(el("li", { class: "hint" }, "No topics in the API yet."));
  }
  const filterText = ($("topic-search") as HTMLInputElement).value.toLowerCase();
  for (const t of topics ?? []) {
    if (filterText && !t.name.toLowerCase().includes(filterText)) continue;
    const li = el("li");
    const b = el("button", { type: "button", "data-topic": t.name }, `${t.name}${t.value !== null ? ` · ${fmt(t.value, 0)}` : ""}`);
    b.addEventListener("click", () => void showTopicLeaderboard(t.name));
    li.append(b);
    list.append(li);
  }
  // the map: topics coloured by community, linked to related topics (or their community hub)
  const g = new Graph({ type: "undirected" });
  const commOf = new Map<string, string>();
  for (const c of comms ?? []) for (const name of c.topics) commOf.set(name, c.id);
  const legend = $("topic-legend");
  legend.replaceChildren();
  (comms ?? []).slice(0, 12).forEach((c, i) => {
    const li = el("li");
    const sw = el("span", { class: "swatch", "aria-hidden": "true" });
    sw.style.background = PALETTE[i % PALETTE.length];
    li.append(sw, document.createTextNode(`${c.label}: ${c.topics.slice(0, 4).join(", ")}${c.topics.length > 4 ? "…" : ""}`));
    legend.append(li);
  });
  const commIndex = new Map((comms ?? []).map((c, i) => [c.id, i]));
  const names = new Set<string>([...(topics ?? []).map((t) => t.name), ...commOf.keys()]);
  const value = new Map((topics ?? []).map((t) => [t.name, t.value ?? 1]));
  const maxV = Math.max(...value.values(), 1);
  for (const name of names) {
    const c = commOf.get(name) ?? (topics ?? []).find((t) => t.name === name)?.community ?? null;
    const idx = c !== null ? commIndex.get(c) : undefined;
    const angle = idx !== undefined ? (2 * Math.PI * idx) / Math.max(commIndex.size, 1) : Math.random() * 2 * Math.PI;
    g.addNode(name, {
      x: 100 * Math.cos(angle) + Math.random() * 30, y: 100 * Math.sin(angle) + Math.random() * 30,
      size: 3 + 10 * Math.sqrt((value.get(name) ?? 1) / maxV), label: name,
      color: idx !== undefined ? PALETTE[idx % PALETTE.length] : NO_COMMUNITY,
    });
  }
  for (const t of topics ?? []) {
    for (const r of t.related) if (g.hasNode(r) && r !== t.name && !g.hasEdge(t.name, r)) g.addEdge(t.name, r, { size: 1, color: "#c7ccd6" });
  }
  if (g.size === 0) {
    for (const c of comms ?? []) {
      for (let i = 1; i < c.topics.length; i++) {
        if (g.hasNode(c.topics[0]) && g.hasNode(c.topics[i]) && !g.hasEdge(c.topics[0], c.topics[i])) g.addEdge(c.topics[0], c.topics[i], { size: 1, color: "#c7ccd6" });
      }
    }
  }
  topicRenderer?.kill();
  topicRenderer = new Sigma(g, $("topic-graph"), { allowInvalidContainer: true, labelRenderedSizeThreshold: 4 });
  topicRenderer.on("clickNode", ({ node }) => void showTopicLeaderboard(node));
  if (g.order > 2) {
    const fa = new FA2Layout(g, { settings: { ...forceAtlas2.inferSettings(g), slowDown: 5, scalingRatio: 20, strongGravityMode: true, gravity: 0.05, linLogMode: true } });
    fa.start();
    window.setTimeout(() => fa.kill(), 1500);
  }
  $("topic-graph").dataset.nodes = String(g.order);
}

async function showTopicLeaderboard(topic: string): Promise<void> {
  const people = await guarded("Loading the leaderboard", () => api.leaderboard(topic, 20));
  if (!people) return;
  const card = $("topic-card");
  const ol = el("ol", { class: "results", "data-testid": "topic-leaderboard" });
  for (const p of people) {
    const li = el("li");
    const b = el("button", { type: "button", "aria-label": `Explore ${p.label}` }, `${p.label} · ${fmt(p.score)}`);
    b.addEventListener("click", () => { selectTab("people"); void focusPerson(p); });
    li.append(b);
    ol.append(li);
  }
  card.replaceChildren(el("h2", {}, `Leaderboard: ${topic}`), people.length ? ol : el("p", { class: "hint" }, "No published scores on this topic."));
  const sel = $("f-topic") as HTMLSelectElement;
  syncOptions(sel, [topic]);
}

// ---------------------------------------------------------------- wiring

function selectTab(which: "people" | "topics"): void {
  for (const w of ["people", "topics"] as const) {
    $(`tab-${w}`).setAttribute("aria-selected", String(w === which));
    $(`view-${w}`).hidden = w !== which;
  }
  if (which === "topics") void showTopics();
  else renderer?.refresh();
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  if (params.has("bench")) {
    document.querySelector("header")!.hidden = true;
    $("view-people").hidden = true;
    $("view-bench").hidden = false;
    const n = Number(params.get("bench")) || 5000;
    runBench($("bench-graph"), $("bench-result"), n, Number(params.get("edges")) || 4 * n, Number(params.get("layout") ?? "3"));
    return;
  }
  const gql = new Client(new URL("../graphql", location.href).pathname);
  await gql.load(new URL("schema.json", location.href).pathname);
  // An API key given once as ?key=... is kept for the tab's session and dropped from the URL.
  if (params.has("key")) {
    sessionStorage.setItem("influence-api-key", params.get("key") ?? "");
    params.delete("key");
    history.replaceState(null, "", `${location.pathname}${params.size ? `?${params}` : ""}`);
  }
  gql.apiKey = sessionStorage.getItem("influence-api-key");
  api = new Api(gql);

  renderer = new Sigma(graph, $("graph"), {
    allowInvalidContainer: true, labelRenderedSizeThreshold: 6, defaultEdgeType: "line",
    nodeReducer: (node, data) => (node === selected ? { ...data, highlighted: true, forceLabel: true } : data),
  });
  renderer.on("clickNode", ({ node }) => void focusPerson(graph.getNodeAttribute(node, "person")));
  window.__influence = { graph, renderer, visible, get busy() { return busy; } } as Window["__influence"];

  $("search-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = ($("search-input") as HTMLInputElement).value.trim();
    if (text) void search(text);
  });
  for (const id of ["f-min-score", "f-network", "f-topic"]) $(id).addEventListener("input", applyFilters);
  $("f-kind").addEventListener("change", () => (edgesHaveKinds() ? applyFilters() : void rebuild()));
  $("f-direction").addEventListener("change", () => void rebuild());
  $("reset").addEventListener("click", () => {
    resetLayout(); graph.clear(); selected = null; applyFilters();
    $("card").replaceChildren(el("p", { class: "hint" }, "Search for a person by name or handle to start."));
  });
  $("tab-people").addEventListener("click", () => selectTab("people"));
  $("tab-topics").addEventListener("click", () => selectTab("topics"));
  $("topic-search").addEventListener("input", () => void showTopics());

  // Panels the API cannot feed are hidden rather than broken.
  const kinds = api.kindValues();
  if (kinds.length) syncOptions($("f-kind") as HTMLSelectElement, kinds);
  if (!api.gql.has("person.neighbours")) setStatus("This API has no neighbours yet: the graph shows search results only.");
  if (!api.personTopics) $("f-topic-wrap").hidden = true;
  else if (api.hasTopics) {
    const ts = await guarded("Loading topics", () => api.topics(null, 100));
    syncOptions($("f-topic") as HTMLSelectElement, (ts ?? []).map((t) => t.name));
  }
  if (!api.hasTopics && !api.gql.hasQuery("communities")) $("tab-topics").hidden = true;
  if (!api.gql.has("person.neighbours") || !api.gql.argType("Person", "neighbours", "direction")) {
    ($("f-direction").parentElement as HTMLElement).hidden = true;
  }
  const q = params.get("q");
  if (q) ($("search-input") as HTMLInputElement).value = q;
  const top = await search(q);
  if (q === null && top.length) {
    $("card").replaceChildren(el("p", { class: "hint" }, START_HINT));
    await landing(top);
  }
  applyFilters();
  document.body.dataset.ready = "true";
}

void start().catch((e: Error) => setStatus(`Start-up failed: ${e.message}`, true));
