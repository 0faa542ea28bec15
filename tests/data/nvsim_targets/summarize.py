"""The figures README.md and the test's docstring quote, over every stored run (maintenance script).

    python tests/data/nvsim_targets/summarize.py

Run from the project root after ``extract.py``.  For every run in ``reports.csv``: nvmsim's own search
(``models.circuit.stock.array_search``, data and tag arrays) against NVSim's chosen organisation for each target, and
the per-metric errors of nvmsim's cache against NVSim's report (``tests/test_circuit_nvsim_targets._errors``).
Prints the organisation matches, the largest per-target median error, the worst error, the per-target table
README.md's fidelity section shows (Markdown), and the coverage table.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
os.environ["NVMSIM_NVSIM_FULL"] = "1"  # every stored run, not the test's default sample

import pandas as pd  # noqa: E402

import tests.test_circuit_nvsim_targets as T  # noqa: E402
from models.cells import load_cell  # noqa: E402
from models.circuit import stock  # noqa: E402
from models.technology import tech_node  # noqa: E402


def per_target(errors: pd.DataFrame, matched: pd.DataFrame) -> str:
    """Markdown: per target, the organisations matched, the largest median and the worst error over the metrics."""
    metrics = list(T.METRICS)
    lines = ["| target | organisations matched | largest median error (metric) | worst error (metric) |",
             "|---|---|---|---|"]
    for target, g in errors.groupby("target", sort=False):
        med, worst, m = g[metrics].median(), g[metrics].max(), matched[matched.target == target].hit
        lines.append(f"| {target} | {int(m.sum()):,} of {len(m):,} | {med.max():.4%} ({med.idxmax()}) | "
                     f"{worst.max():.4%} ({worst.idxmax()}) |")
    return "\n".join(lines)


def main() -> None:
    same = total = 0
    errors, matched = [], []
    for key in T.RUNS:
        node, cell, kb, access = key
        arrays = {a: stock.array_search(load_cell(cell), tech_node(node), kb * 1024.0, 128, 16, access,
                                        tag=a == "tag", cal=T.CAL)[0] for a in ("data", "tag")}
        for e in T._errors(key):
            row = e["row"]
            for a in ("data", "tag"):
                mine = arrays[a][stock.NVSIM_TARGET_OF.get(row["target"], row["target"])]
                hit = {k: mine.org.get(k, "") for k in T.ORG} == {k: T._org(row, a)[k] for k in T.ORG}
                total += 1
                same += hit
                matched.append({"target": e["target"], "hit": hit})
            errors.append({k: abs(e[k]) for k in T.METRICS} | {"target": e["target"]})
    df = pd.DataFrame(errors)
    median = df.groupby("target")[list(T.METRICS)].median()
    print(f"runs {len(T.RUNS)}, reports {len(df)}, organisations matched {same:,} of {total:,}, largest median "
          f"{median.max().max():.4%}, worst {df[list(T.METRICS)].max().max():.4%}")
    print(per_target(df, pd.DataFrame(matched)))
    runs = T.REPORTS[["node_nm", "cell", "capacity_KB", "access"]].drop_duplicates()
    print(runs.groupby(["node_nm", "cell", "access"]).capacity_KB.agg(["count", "min", "max"]).to_string())


if __name__ == "__main__":
    main()
