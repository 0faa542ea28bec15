"""``reproduce_deepnvm`` end to end on analytic counts (tests/test_studies.py's LRU oracle) and Table II numbers.

Checks the report's plumbing and that headline metrics are computed the paper's way: with DeepNVM++ Table II
(seed deepnvm_plus_plus.txt) at 3 MB the area reductions are exactly 5.53/2.34 and 5.53/1.95.
"""

import pandas as pd
import pytest

from models.errors import ConfigError
from simulator.studies import deepnvm_report as report
from simulator.studies import runner, scratchpad_report
from tests.support import TECH

AREA = {("sram", 3.0): 5.53, ("stt", 3.0): 2.34, ("sot", 3.0): 1.95, ("stt", 7.0): 5.12, ("sot", 10.0): 5.64}


def _tech():
    flat = pd.concat([TECH.iloc[:3].assign(capacity_MB=c) for c in (1.0, 3.0, 6.0, 12.0)], ignore_index=True)
    t = pd.concat([flat, TECH.iloc[3:]], ignore_index=True)
    t["area_mm2"] = [AREA.get((r.technology, r.capacity_MB), 1.0) for r in t.itertuples()]
    return t


def test_reproduce_writes_report_and_compares(tmp_path, analytic_counts):
    plan = report.Plan(networks=("alexnet", "vgg16"), phases=(("inference", 1), ("training", 2)),
                       batch_network="alexnet", batches=(1, 2), sweep_MB=(3.0, 6.0, 12.0),
                       scalability_MB=(1.0, 3.0, 12.0))
    res = report.reproduce_deepnvm(tmp_path, plan=plan, tech=_tech(), iso_capacities={"stt": 7.0, "sot": 10.0})
    table = res.comparison
    assert len(table) == len(report.PAPER)
    area = table[table.metric == "area reduction (×)"].set_index("technology").nvmsim
    assert area["stt"] == pytest.approx(5.53 / 2.34) and area["sot"] == pytest.approx(5.53 / 1.95)
    assert table.nvmsim.notna().all()
    text = (tmp_path / "REPORT.md").read_text()
    assert "| iso-area | DRAM-access reduction" in text and "3.8" in text
    assert "| STT | 2.98 (paper 2.98)" in text  # the Table II section prints the table it was given
    # the redone headline comes first, both methods and both time bases, with the tables behind it
    assert text.index("## Headline, redone") < text.index("## Every study beside the paper")
    assert "| iso-area EDP reduction with DRAM, mean (×) | STT | sim |" in text
    assert "| iso-area EDP reduction with DRAM, mean (×) | STT | paper |" in text
    assert set(res.headline.time_basis) == {"-", "paper", "sim"} and len(res.dram_curves) and len(res.evidence)
    # every figure of the report (the plot functions' only test: they run on real study tables here)
    for name in ("fig3_iso_capacity_energy", "fig4_iso_capacity_edp", "fig5_batch_size", "fig6_dram_reduction",
                 "fig7_iso_area_energy", "fig8_iso_area_edp", "fig10_scalability"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    for name in ("comparison", "iso_capacity", "sweep_l2", "iso_area", "scalability_summary", "tech_table", "headline",
                 "headline_dram", "headline_evidence"):
        assert (tmp_path / f"{name}.csv").exists()
    # a second run resumes from the per-point store and gives the same table
    again = report.reproduce_deepnvm(tmp_path, plan=plan, tech=_tech(), iso_capacities={"stt": 7.0, "sot": 10.0},
                                     figures=False)
    pd.testing.assert_frame_equal(again.comparison, table)
    pd.testing.assert_frame_equal(again.headline, res.headline)
    # without the headline: the comparison alone, and a given table needs no 7 / 10 MB rows
    bare = report.reproduce_deepnvm(tmp_path / "bare", plan=plan, tech=_tech().iloc[:-2],
                                    iso_capacities={"stt": 6.0, "sot": 6.0}, figures=False, headline=False)
    assert bare.headline is None and "## Headline" not in (tmp_path / "bare" / "REPORT.md").read_text()
    with pytest.raises(ConfigError, match="tech: the headline needs stt at 7 MB, sot at 10 MB"):
        report.reproduce_deepnvm(tmp_path / "bare", plan=plan, tech=_tech().iloc[:-2],
                                 iso_capacities={"stt": 6.0, "sot": 6.0}, figures=False)


def test_reproduce_cli_dispatch(tmp_path, monkeypatch, capsys):
    """The verbs pass their options through (the studies themselves are exercised above)."""
    from simulator.cli import main

    seen = {}

    def fake(out_dir, quick=False, **kw):
        seen.update(out_dir=out_dir, quick=quick, **kw)
        return report.Reproduction(pd.DataFrame([{"study": "s", "metric": "m", "technology": "stt", "paper": 1.0,
                                                  "nvmsim": 1.1, "nvmsim_over_paper": 1.1}]))

    monkeypatch.setattr(report, "reproduce_deepnvm", fake)
    assert main(["reproduce", "deepnvm", "--quick", "--out", str(tmp_path), "--workers", "2"]) == 0
    assert seen["quick"] is True and seen["workers"] == 2 and str(seen["out_dir"]) == str(tmp_path)
    assert "REPORT.md" in capsys.readouterr().out and seen["plan"] is None and seen["time_basis"] == "paper"
    assert main(["reproduce", "deepnvm", "--quick", "--time-basis", "sim", "--out", str(tmp_path)]) == 0
    assert seen["time_basis"] == "sim"
    assert main(["reproduce", "deepnvm", "--networks", "lenet5", "--training-batch", "8", "--out", str(tmp_path)]) == 0
    assert seen["plan"].networks == ("lenet5",) and dict(seen["plan"].phases) == {"inference": 4, "training": 8}
    monkeypatch.setattr(scratchpad_report, "reproduce_scratchpad",
                        lambda out, quick: seen.update(sp=(out, quick)) or "# ok")
    assert main(["reproduce", "scratchpad", "--quick", "--out", str(tmp_path / "s")]) == 0
    assert seen["sp"] == (tmp_path / "s", True)


PLAN = report.Plan(networks=("alexnet", "vgg16"), phases=(("inference", 1), ("training", 2)),
                   batch_network="alexnet", batches=(1, 2), sweep_MB=(3.0, 6.0, 12.0), scalability_MB=(1.0, 3.0, 12.0))
ISO = {"stt": 7.0, "sot": 10.0}


def test_one_trace_pass_per_workload_and_killed_run_resumes(tmp_path, analytic_counts):
    """Every workload is simulated in ONE task covering every capacity any study needs (the union); a run killed
    part-way, rerun, computes only the missing points and ends with the tables of an uninterrupted run."""
    calls = analytic_counts.calls
    full = report.reproduce_deepnvm(tmp_path / "full", plan=PLAN, tech=_tech(), iso_capacities=ISO, figures=False)
    main_wls = [c for c in calls if c[0].workload.batch in (1, 2) and len({p.l2_MB for p in c}) > 1]
    assert len(main_wls) == 4  # 2 networks x 2 phases, one pass each
    for c in main_wls:
        assert {p.l2_MB for p in c} == {1.0, 3.0, 6.0, 7.0, 10.0, 12.0}
        assert len({p.workload for p in c}) == 1
    n_points = sum(len(c) for c in calls)
    calls.clear()
    report.reproduce_deepnvm(tmp_path / "full", plan=PLAN, tech=_tech(), iso_capacities=ISO, figures=False)
    assert calls == []  # everything came from the store

    def dies_on_third(points):
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")

    analytic_counts.hook = dies_on_third
    with pytest.raises(KeyboardInterrupt):
        report.reproduce_deepnvm(tmp_path / "killed", plan=PLAN, tech=_tech(), iso_capacities=ISO, figures=False)
    done = sum(len(c) for c in calls)
    assert len(runner.stored_points(tmp_path / "killed" / "points")) == done
    calls.clear()
    analytic_counts.hook = None
    resumed = report.reproduce_deepnvm(tmp_path / "killed", plan=PLAN, tech=_tech(), iso_capacities=ISO,
                                       figures=False)
    assert sum(len(c) for c in calls) == n_points - done
    pd.testing.assert_frame_equal(resumed.comparison, full.comparison)
    pd.testing.assert_frame_equal(resumed.headline, full.headline)
    for name in ("iso_capacity", "batch_size", "sweep_l2", "iso_area", "scalability", "headline", "headline_dram"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "killed" / f"{name}.csv"),
                                      pd.read_csv(tmp_path / "full" / f"{name}.csv"))
