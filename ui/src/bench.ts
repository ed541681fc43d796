// Benchmark page (/ui/?bench=5000&edges=20000): a synthetic clustered scene generated in the
// browser, timed from navigation start to sigma's first rendered frame; then ForceAtlas2 runs in
// its web worker for a few seconds while rendered frames are counted (smoothness).
import Graph from "graphology";
import Sigma from "sigma";
import { EdgeLineProgram } from "sigma/rendering";
import FA2Layout from "graphology-layout-forceatlas2/worker";
import { PALETTE } from "./charts";

export interface BenchResult {
  nodes: number;
  edges: number;
  scriptStartMs: number;
  buildMs: number;
  firstFrameMs: number;
  presentedMs: number;
  layoutSeconds: number;
  layoutFrames: number;
  layoutFps: number;
  refreshMs: number;
  cameraFps: number;
}

declare global {
  interface Window { __bench?: BenchResult; __benchDone?: boolean; __benchRenderer?: Sigma }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function runBench(container: HTMLElement, out: HTMLElement, n: number, m: number, layoutSeconds: number): void {
  const scriptStartMs = performance.now();
  const rand = rng(42);
  const graph = new Graph({ type: "undirected", multi: false });
  const clusters = Math.max(1, Math.round(Math.sqrt(n) / 3));
  const centres = Array.from({ length: clusters }, () => [rand() * 1000, rand() * 1000]);
  const clusterOf: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * clusters);
    clusterOf.push(c);
    graph.addNode(i, {
      x: centres[c][0] + (rand() - 0.5) * 120, y: centres[c][1] + (rand() - 0.5) * 120,
      size: 2 + rand() * 8, color: PALETTE[c % PALETTE.length], label: `n${i}`,
    });
  }
  let added = 0;
  while (added < m) {
    const a = Math.floor(rand() * n);
    // 80% of links inside the cluster, as in real interaction graphs
    let b = Math.floor(rand() * n);
    if (rand() < 0.8) {
      for (let tries = 0; tries < 20 && clusterOf[b] !== clusterOf[a]; tries++) b = Math.floor(rand() * n);
    }
    if (a === b || graph.hasEdge(a, b)) continue;
    graph.addEdge(a, b, { size: 0.5 + rand() * 2, color: "#c7ccd6" });
    added++;
  }
  const buildMs = performance.now() - scriptStartMs;
  // Thin GL lines for the edges (the rectangle program's fill cost dominates in software WebGL),
  // and edges hidden while the camera moves, as sigma advises for large graphs.
  const renderer = new Sigma(graph, container, {
    labelRenderedSizeThreshold: 12, hideEdgesOnMove: true,
    edgeProgramClasses: { line: EdgeLineProgram },
  });
  window.__benchRenderer = renderer;
  let firstFrameMs = -1;
  let presentedMs = -1;
  let frames = 0;
  renderer.on("afterRender", () => {
    if (firstFrameMs < 0) {
      firstFrameMs = performance.now();
      // two animation frames later the first frame has been composited and presented
      requestAnimationFrame(() => requestAnimationFrame(() => {
        presentedMs = performance.now();
        void startLayout();
      }));
    } else {
      frames++;
    }
  });
  renderer.refresh();
  const startLayout = async () => {
    const result: BenchResult = {
      nodes: graph.order, edges: graph.size, scriptStartMs, buildMs, firstFrameMs, presentedMs,
      layoutSeconds, layoutFrames: 0, layoutFps: 0, refreshMs: 0, cameraFps: 0,
    };
    window.__bench = result;
    // full re-process + draw, synchronously (what a filter change costs)
    const t = performance.now();
    for (let i = 0; i < 5; i++) renderer.refresh();
    result.refreshMs = (performance.now() - t) / 5;
    // pan/zoom smoothness: a 2 s camera animation, counting rendered frames
    frames = 0;
    const c0 = performance.now();
    await renderer.getCamera().animate({ ratio: 0.4, x: 0.6, y: 0.4 }, { duration: 2000 });
    result.cameraFps = frames / ((performance.now() - c0) / 1000);
    out.textContent = JSON.stringify(result, null, 2);
    if (layoutSeconds <= 0) { window.__benchDone = true; return; }
    const layout = new FA2Layout(graph, { settings: { barnesHutOptimize: true, slowDown: 10 } });
    frames = 0;
    layout.start();
    const t0 = performance.now();
    setTimeout(() => {
      layout.kill();
      result.layoutFrames = frames;
      result.layoutFps = frames / ((performance.now() - t0) / 1000);
      out.textContent = JSON.stringify(result, null, 2);
      window.__benchDone = true;
    }, layoutSeconds * 1000);
  };
}
