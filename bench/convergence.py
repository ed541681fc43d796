"""What an unconverged PageRank means for the scores (issue 19, item 5).

For each bundled dataset (the Stack Exchange beer dump, CollegeMsg, MathOverflow a2q), loaded
into an empty scratch server of this benchmark's own: the default model's scores with its
iteration cap (``max_iterations``) and with caps up to 1,000, each compared with the
1,000-iteration scores: did PageRank converge (GDS's ``tolerance``), the largest and the mean
change of a 1-100 score, and whether the top 100 keep their order.

Usage:

    .venv/bin/python bench/convergence.py

Results are printed and appended to ``bench/results/convergence.md``. This is a quality
measurement, not a timing: it may run beside other work.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import DATA, RESULTS, empty_database, scratch_settings

from influence import localdb
from influence.engine.model import ModelParams
from influence.engine.scoring import compute_scores
from influence.jobs.load import LoadRequest, load
from influence.store import Query, Store

SCORES = Query("bench_convergence_scores",
               "MATCH (p:Person) WHERE p.score IS NOT NULL RETURN p.id AS id, p.score AS score")
DATASETS = {
    "Stack Exchange beer dump (Stack Exchange, Inc., CC BY-SA 3.0)": (
        LoadRequest("stackexchange", (DATA / "stackexchange-beer",)), 1481328000),
    "CollegeMsg (SNAP, Panzarasa et al. 2009)": (
        LoadRequest("snap", (DATA / "snap-collegemsg" / "CollegeMsg.txt",), network="college"),
        1098777143),
    "MathOverflow a2q (SNAP, Paranjape et al. 2017)": (
        LoadRequest("snap", (DATA / "snap-sx-mathoverflow" / "sx-mathoverflow-a2q.txt",),
                    network="mathoverflow"), 1457308800),
}
CAPS = (20, 40, 100, 200, 1000)


def scores(store: Store, params: ModelParams, asof: int) -> tuple[dict[str, float], int, bool]:
    run = compute_scores(store, params, asof=asof)
    return ({r["id"]: float(r["score"]) for r in store.read(SCORES)}, run.iterations,
            run.converged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=7796)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "bench-convergence")
    parser.add_argument("--out", type=Path, default=RESULTS / "convergence.md")
    args = parser.parse_args()
    settings = scratch_settings(args.work, args.port)
    default = ModelParams()
    lines = [f"## PageRank iterations and the scores "
             f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})", "",
             f"Default model (`max_iterations` {default.max_iterations}, `tolerance` "
             f"{default.tolerance:g}); every score compared with the 1,000-iteration one.", "",
             "| dataset | people scored | cap | iterations | converged | max abs change "
             "| mean abs change | top 100 same order |", "|---|---|---|---|---|---|---|---|"]
    try:
        for name, (request, asof) in DATASETS.items():
            empty_database(settings)
            localdb.start(settings)
            with Store(settings) as store:
                load(request, settings, store=store)
                runs = {cap: scores(store, default.model_copy(update={"max_iterations": cap}),
                                    asof) for cap in CAPS}
            best, _, _ = runs[max(CAPS)]
            top = sorted(best, key=lambda p: (-best[p], p))[:100]
            for cap, (got, iterations, converged) in runs.items():
                changes = [abs(got[p] - best[p]) for p in best]
                same = sorted(got, key=lambda p: (-got[p], p))[:100] == top
                lines.append(f"| {name} | {len(best):,} | {cap} | {iterations} | "
                             f"{'yes' if converged else 'no'} | {max(changes):.3f} | "
                             f"{sum(changes) / len(changes):.4f} | {'yes' if same else 'no'} |")
                print(lines[-1], flush=True)
    finally:
        localdb.stop(settings)
    text = "\n".join(lines) + "\n"
    print(text)
    with args.out.open("a", encoding="utf-8") as fh:
        fh.write("\n" + text)


if __name__ == "__main__":
    main()
