"""``influence evaluate influence`` end to end, timed (issue 17, goal 3: 500k events in 2 min).

The command is run as a user runs it, in a fresh process with its own scratch server (started
and stopped by the command), on:

* **real**: SNAP's MathOverflow answers-to-questions and comments-to-answers files joined
  (302,911 events, seven years; Paranjape, Benson, Leskovec 2017), as shipped;
* **generated**: ``--events`` temporal edges in the SNAP format (``src dst unix_seconds``)
  among ``--events / 10`` users: log-normal activity (who acts) and popularity (who is engaged),
  two years of uniform times, a quarter of the events answering an earlier one back (the
  reciprocity real conversations have). No real dataset of 500k events is in this
  repository's reach; this one measures the time the command takes at that size.

There is no anchor: no bare Neo4j/GDS way does the whole evaluation (load, score, three
attacks, stability). The goal is absolute. Each run prints the command's own step timings.

Usage (nothing else running): ``.venv/bin/python bench/evaluate.py [--events 500000]
[--repeat 3] [--no-real]``. Results are appended to ``bench/results/evaluate.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import DATA, RESULTS, START, YEAR_S, append

MATHOVERFLOW = ("sx-mathoverflow-a2q.txt", "sx-mathoverflow-c2a.txt")


def joined_mathoverflow(work: Path) -> Path:
    """The two MathOverflow files, one after the other, in one file (written once)."""
    path = work / "mathoverflow-a2q-c2a.txt"
    if not path.exists():
        with path.open("wb") as out:
            for name in MATHOVERFLOW:
                out.write((DATA / "snap-sx-mathoverflow" / name).read_bytes())
    return path


def generated(work: Path, events: int, seed: int = 11) -> Path:
    """The generated SNAP file of the module docstring (written once)."""
    path = work / f"temporal-{events}-{seed}-lognormal.txt"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    users = max(100, events // 10)
    # log-normal activity and popularity (the busiest user gives ~0.5 % of the events, as in
    # MathOverflow), popularity partly following activity
    activity = rng.lognormal(0.0, 1.5, users)
    popularity = activity ** 0.5 * rng.lognormal(0.0, 1.2, users)
    actors = rng.choice(users, events, p=activity / activity.sum())
    targets = rng.choice(users, events, p=popularity / popularity.sum())
    times = START + rng.integers(0, 2 * YEAR_S, events)
    back = rng.random(events) < 0.25  # a reply: the target of an earlier event answers back
    earlier = rng.integers(0, events, events)
    actors, targets = (np.where(back, targets[earlier], actors),
                       np.where(back, actors[earlier], targets))
    times = np.where(back, np.maximum(times, times[earlier] + 60), times)
    targets = np.where(targets == actors, (targets + 1) % users, targets)
    np.savetxt(path, np.stack([actors, targets, times], axis=1), fmt="%d")
    return path


def run(path: Path) -> dict[str, float]:
    """One ``influence evaluate influence`` in a fresh process: wall seconds and its own
    step timings."""
    command = [sys.executable, "-m", "influence", "evaluate", "influence", str(path),
               "--format", "snap", "--cut", "0.8", "--json"]
    clock = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - clock
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    steps = {f"{name}_s": float(value) for name, value in report["seconds"].items()}
    print(f"  {path.name}: {seconds:.1f} s "
          + ", ".join(f"{k} {v:.1f}" for k, v in steps.items()), flush=True)
    return {"total_s": seconds, "events": float(report["events_total"]), **steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-real", dest="real", action="store_false",
                        help="leave out the MathOverflow run")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-evaluate")
    parser.add_argument("--out", type=Path, default=RESULTS / "evaluate.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    inputs = ([("MathOverflow a2q + c2a (real)", joined_mathoverflow(args.work))]
              if args.real else [])
    inputs.append((f"generated {args.events:,} events", generated(args.work, args.events)))
    load_before = os.getloadavg()
    rows = []
    for name, path in inputs:
        runs = [run(path) for _ in range(args.repeat)]
        middle = sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]
        steps = ", ".join(f"{k.removesuffix('_s')} {v:.1f}" for k, v in middle.items()
                          if k.endswith("_s") and k != "total_s")
        each = ", ".join(f"{r['total_s']:.1f}" for r in runs)
        rows.append(f"| {name} | {middle['events']:,.0f} | "
                    f"{statistics.median(r['total_s'] for r in runs):.1f} s ({each}) | {steps} |")
    text = "\n".join([
        f"## `influence evaluate influence` end to end "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
        f"Median of {args.repeat} run(s), each a fresh process with its own scratch server; "
        f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (1 min); "
        "2-core machine. Goal: 500k events in 2 minutes (no anchor: see bench/evaluate.py).",
        "", "| input | events | end to end (runs) | steps of the median run, s |",
        "|---|---|---|---|", *rows, ""])
    append(args.out, text)


if __name__ == "__main__":
    main()
