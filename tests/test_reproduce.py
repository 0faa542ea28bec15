"""``reproduce_deepnvm`` end to end on analytic counts (tests/test_studies.py's LRU oracle) and Table II numbers.

Checks the report's plumbing and that headline metrics are computed the paper's way: with DeepNVM++ Table II
(seed deepnvm_plus_plus.txt) at 3 MB the area reductions are exactly 5.53/2.34 and 5.53/1.95.
"""

import pandas as pd
import pytest

from simulator.studies import report
from tests.test_studies import TECH, analytic_compute

AREA = {("sram", 3.0): 5.53, ("stt", 3.0): 2.34, ("sot", 3.0): 1.95, ("stt", 7.0): 5.12, ("sot", 10.0): 5.64}


def _tech():
    flat = pd.concat([TECH.iloc[:3].assign(capacity_MB=c) for c in (1.0, 3.0, 6.0, 12.0)], ignore_index=True)
    t = pd.concat([flat, TECH.iloc[3:]], ignore_index=True)
    t["area_mm2"] = [AREA.get((r.technology, r.capacity_MB), 1.0) for r in t.itertuples()]
    return t


def test_reproduce_writes_report_and_compares(tmp_path):
    plan = report.Plan(networks=("alexnet", "vgg16"), phases=(("inference", 1), ("training", 2)),
                       batch_network="alexnet", batches=(1, 2), sweep_MB=(3.0, 6.0, 12.0),
                       scalability_MB=(1.0, 3.0, 12.0))
    table = report.reproduce_deepnvm(tmp_path, plan=plan, tech=_tech(), iso_capacities={"stt": 7.0, "sot": 10.0},
                                     compute=analytic_compute)
    assert len(table) == len(report.PAPER)
    area = table[table.metric == "area reduction (×)"].set_index("technology").nvmsim
    assert area["stt"] == pytest.approx(5.53 / 2.34) and area["sot"] == pytest.approx(5.53 / 1.95)
    assert table.nvmsim.notna().all()
    text = (tmp_path / "REPORT.md").read_text()
    assert "| iso-area | DRAM-access reduction" in text and "3.8" in text
    assert "| STT | 2.98 (paper 2.98)" in text  # the Table II section prints the table it was given
    # every figure of the report (the plot functions' only test: they run on real study tables here)
    for name in ("fig3_iso_capacity_energy", "fig4_iso_capacity_edp", "fig5_batch_size", "fig6_dram_reduction",
                 "fig7_iso_area_energy", "fig8_iso_area_edp", "fig10_scalability"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    for name in ("comparison", "iso_capacity", "sweep_l2", "iso_area", "scalability_summary", "tech_table"):
        assert (tmp_path / f"{name}.csv").exists()
    # a second run resumes from the per-point store and gives the same table
    again = report.reproduce_deepnvm(tmp_path, plan=plan, tech=_tech(), iso_capacities={"stt": 7.0, "sot": 10.0},
                                     compute=analytic_compute, figures=False)
    pd.testing.assert_frame_equal(again, table)


def test_reproduce_cli_dispatch(tmp_path, monkeypatch, capsys):
    """The verbs pass their options through (the studies themselves are exercised above)."""
    from simulator.cli import main

    seen = {}

    def fake(out_dir, quick=False, **kw):
        seen.update(out_dir=out_dir, quick=quick, **kw)
        return pd.DataFrame([{"study": "s", "metric": "m", "technology": "stt", "paper": 1.0, "nvmsim": 1.1,
                              "nvmsim_over_paper": 1.1}])

    monkeypatch.setattr(report, "reproduce_deepnvm", fake)
    assert main(["reproduce", "deepnvm", "--quick", "--out", str(tmp_path), "--workers", "2"]) == 0
    assert seen["quick"] is True and seen["workers"] == 2 and str(seen["out_dir"]) == str(tmp_path)
    assert "REPORT.md" in capsys.readouterr().out and seen["plan"] is None
    assert main(["reproduce", "deepnvm", "--networks", "lenet5", "--training-batch", "8", "--out", str(tmp_path)]) == 0
    assert seen["plan"].networks == ("lenet5",) and dict(seen["plan"].phases) == {"inference": 4, "training": 8}
    import importlib.util

    if importlib.util.find_spec("simulator.scratchpad_study") is not None:
        import simulator.scratchpad_study as sp

        monkeypatch.setattr(sp, "reproduce_scratchpad", lambda out, quick: seen.update(sp=(out, quick)) or "# ok")
        assert main(["reproduce", "scratchpad", "--quick", "--out", str(tmp_path / "s")]) == 0
        assert seen["sp"] == (tmp_path / "s", True)
