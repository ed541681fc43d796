"""Time to the first rendered frame of a 5,000-node / 20,000-edge scene in headless Chromium.

The bench page of the committed UI bundle (/ui/?bench=N&edges=M) generates a clustered random
graph in the browser, hands it to sigma.js (WebGL) and records, with performance.now() (0 =
navigation start): when the script started, how long building the graphology graph took, and
when sigma's first frame was rendered. ForceAtlas2 then runs in its web worker for a few
seconds while rendered frames are counted (frames per second while the layout moves every node).

Usage: .venv/bin/python bench/ui_first_frame.py [--nodes 5000] [--edges 20000] [--runs 5]
Writes bench/results/ui.md. Needs Debian's Chromium (./scripts/system-deps.sh chromium); no
database: only the UI bundle is served.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import threading
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import sync_playwright

from influence.api.ui import mount_ui
from influence.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "ui.md"
ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox"]


def serve() -> tuple[str, uvicorn.Server]:
    app = FastAPI()
    mount_ui(app, Settings())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--edges", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--layout-seconds", type=float, default=3.0)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    base, server = serve()
    load_before = os.getloadavg()[0]
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=ARGS)
        version = browser.version
        for _ in range(args.runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            errors: list[Exception] = []

            def on_error(exc: Exception, sink: list[Exception] = errors) -> None:
                sink.append(exc)

            page.on("pageerror", on_error)
            page.goto(f"{base}/ui/?bench={args.nodes}&edges={args.edges}"
                      f"&layout={args.layout_seconds}")
            page.wait_for_function("() => window.__benchDone === true",
                                   timeout=int(60_000 + args.layout_seconds * 1000))
            result = page.evaluate("() => window.__bench")
            renderer = page.evaluate(
                "() => { const gl = document.createElement('canvas').getContext('webgl2');"
                " const d = gl.getExtension('WEBGL_debug_renderer_info');"
                " return d ? gl.getParameter(d.UNMASKED_RENDERER_WEBGL) : 'unknown'; }")
            assert not errors, [str(e) for e in errors]
            rows.append({**result, "renderer": renderer})
            context.close()
        browser.close()
    server.should_exit = True

    def med(key: str) -> float:
        return statistics.median(float(r[key]) for r in rows)

    load_after = os.getloadavg()[0]
    cpu = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    lines = [
        "# UI benchmark: first rendered frame",
        "",
        f"Scene: {rows[0]['nodes']:,} nodes, {rows[0]['edges']:,} edges (clustered random graph "
        "generated in the page), sigma.js v3 WebGL, headless Chromium "
        f"{version} with SwiftShader (software WebGL: `{rows[0]['renderer']}`), "
        f"{cpu} CPU cores, {platform.machine()}, 1280x800 viewport; 1-minute load average "
        f"{load_before:.1f} before / {load_after:.1f} after (other work on the machine). "
        f"{len(rows)} runs, fresh page each.",
        "",
        "| measure | median | min | max |",
        "|---|---|---|---|",
    ]
    for key, label in [("firstFrameMs", "navigation start -> first frame drawn (ms)"),
                       ("presentedMs", "navigation start -> first frame presented (ms)"),
                       ("scriptStartMs", "navigation start -> bundle running (ms)"),
                       ("buildMs", "graph generation in the page (ms)"),
                       ("refreshMs", "full refresh (re-process + draw) (ms)"),
                       ("cameraFps", "frames/s during a 2 s camera pan/zoom"),
                       ("layoutFps", "frames/s while ForceAtlas2 (worker) runs")]:
        vals = [float(r[key]) for r in rows]
        lines.append(f"| {label} | {med(key):.1f} | {min(vals):.1f} | {max(vals):.1f} |")
    goal = "met" if med("presentedMs") < 2000 else "NOT met"
    lines += ["", f"Goal (< 2,000 ms to first frame): **{goal}**.", "",
              "Reproduce: `.venv/bin/python bench/ui_first_frame.py` "
              f"(--nodes {args.nodes} --edges {args.edges} --runs {args.runs}).", ""]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
