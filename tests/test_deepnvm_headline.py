"""The redone DeepNVM++ headline (simulator/studies/deepnvm_headline.py): the interpolation rule against closed
forms, the table's structure, and every number computed from runs.

Counts come from tests/support.py's cyclic-scan LRU oracle (``analytic_counts``): a working set of L lines read
four times misses L times when it fits the L2 and 4L times when it does not, so every DRAM-access reduction below
has a closed form.  Cache parameters: DeepNVM++ Table II (seed deepnvm_plus_plus.txt), 3 MB and iso-area columns.
"""

import math

import pandas as pd
import pytest

from models.errors import ConfigError
from simulator.studies import deepnvm_headline as hl
from simulator.studies.options import StudyOptions
from tests.support import TECH


def test_interpolation_is_linear_in_log2_capacity():
    """Any a + b log2(C) is recovered exactly, between and beyond the simulated capacities (Fig. 6's doubling
    axis); a hand value: 10 % at 6 MB, 20 % at 12 MB read at 7 MB is 10 + 10 log2(7/6) = 12.224 %."""
    caps = [3.0, 6.0, 12.0, 24.0]
    a, b = 4.0, 7.5
    vals = [a + b * math.log2(c) for c in caps]
    for at in (3.5, 7.0, 10.0, 20.0, 1.0, 48.0):
        assert hl.interpolate_log2(caps, vals, at) == pytest.approx(a + b * math.log2(at))
    assert hl.interpolate_log2([6.0, 12.0], [10.0, 20.0], 7.0) == pytest.approx(12.2239, abs=1e-4)
    assert hl.interpolate_log2(caps, vals, 6.0) == vals[1]  # a simulated capacity is read as simulated
    assert hl.bracket(caps, 7.0) == (6.0, 12.0) and hl.bracket(caps, 10.0) == (6.0, 12.0)
    assert hl.bracket(caps, 2.0) == (3.0, 6.0) and hl.bracket(caps, 30.0) == (12.0, 24.0)
    with pytest.raises(ConfigError, match="simulated_MB"):
        hl.bracket([3.0], 7.0)


def test_latency_table_times_the_bracketing_runs_with_the_iso_area_cell():
    """The paper's method reads STT at 7 MB from its 6 and 12 MB runs, timed with the 7 MB STT latencies."""
    lat = hl.latency_table(hl.PAPER_METHOD, TECH)
    stt = lat[lat.technology == "stt"].set_index("capacity_MB")
    assert sorted(stt.index) == [3.0, 6.0, 12.0]
    assert stt.loc[6.0, "write_latency_ns"] == stt.loc[12.0, "write_latency_ns"] == 10.06  # Table II, 7 MB
    assert stt.loc[3.0, "write_latency_ns"] == 9.31
    assert set(lat[lat.capacity_MB == 24.0].technology) == {"sram"}
    direct = hl.latency_table(hl.GP102, TECH)
    assert sorted(zip(direct.technology, direct.capacity_MB, strict=True)) == [
        ("sot", 3.0), ("sot", 10.0), ("sram", 3.0), ("stt", 3.0), ("stt", 7.0)]


def _run(tmp_path, phases):
    return hl.run_headline(TECH, phases=phases, options=StudyOptions(store=tmp_path / "points", workers=1))


def test_headline_structure_and_both_methods_and_time_bases(tmp_path, analytic_counts):
    h = _run(tmp_path, (("inference", 4), ("training", 64)))
    t = h.table
    assert list(t.columns) == ["metric", "technology", "time_basis", "paper", "paper_method", "gp102", "why",
                               "source"]
    timed = t[t.time_basis != "-"]
    # every energy / EDP row under both delay conventions, the DRAM rows once (no delay in them)
    assert set(timed.time_basis) == {"paper", "sim"}
    both = timed[~timed.metric.str.contains("L2 delay only")]
    assert (both.groupby(["metric", "technology"]).time_basis.nunique() == 2).all()
    # the second energy convention (leakage over the L2's own delay) exists under the serial delay only
    assert set(timed[timed.metric.str.contains("L2 delay only")].time_basis) == {"paper"}
    assert set(t[t.time_basis == "-"].metric) == {f"iso-area DRAM-access reduction, AlexNet {p} (%)" for p in
                                                  ("mean over I/T", "inference", "training")}
    assert set(t.technology) == {"stt", "sot"} and len(t) == 6 + 2 * 10 + 4
    assert t[["paper_method", "gp102"]].notna().all().all() and (t.why.str.len() > 40).all()
    dram = t[t.time_basis == "-"]
    assert dram.groupby("technology").paper.unique().map(list).to_dict() == {"stt": [14.6], "sot": [19.8]}
    # the methods ran what they say: the paper's method simulated 3/6/12/24 MB of DarkNet's AlexNet on its chip
    # and interpolated 7 / 10 MB; the GP102 simulated 3 / 7 / 10 MB
    runs = {(p.chip, repr(p.overrides), p.workload.network, p.l2_MB) for c in analytic_counts.calls for p in c}
    assert {(c, m) for c, _, n, m in runs if c == "gtx1080ti"} == {("gtx1080ti", x) for x in (3.0, 7.0, 10.0)}
    assert {m for c, o, n, m in runs if c == "gtx1080ti-deepnvm" and "modulo" in o} == {3.0, 6.0, 12.0, 24.0}
    assert {n for _, _, n, _ in runs} == {"alexnet_darknet"}
    c = h.curves
    assert set(c[c.source == "interpolated"].l2_MB) == {7.0, 10.0}
    assert set(c[(c.method == "gp102")].source) == {"simulated"}


def test_headline_numbers_come_from_the_runs(tmp_path, analytic_counts):
    """Closed forms of the oracle.  AlexNet-DarkNet inference at batch 8 has a working set of 8 MB (thrashes at
    3 and 6 MB, fits at 10 and 12 MB); training at batch 1, 2 MB (fits everywhere).  Paper's method, STT 7 MB:
    misses 4L + w (L - 4L), w = log2(7/6), so the reduction is 3w/4 = 16.68 % (inference), 0 (training); SOT 10
    MB: w = log2(10/6), 55.27 %.  GP102, simulated: 7 MB still thrashes (0 %), 10 MB fits (75 %)."""
    h = _run(tmp_path, (("inference", 8), ("training", 1)))
    t = h.table
    dram = t[t.metric.str.contains("mean over I/T")].set_index("technology")
    w7, w10 = math.log2(7 / 6), math.log2(10 / 6)
    assert dram.loc["stt", "paper_method"] == pytest.approx((75 * w7 + 0) / 2)
    assert dram.loc["sot", "paper_method"] == pytest.approx((75 * w10 + 0) / 2)
    assert dram.loc["stt", "gp102"] == pytest.approx(0.0)
    assert dram.loc["sot", "gp102"] == pytest.approx(75.0 / 2)
    # a different run gives different numbers: nothing in the table is a constant
    other = _run(tmp_path, (("inference", 4), ("training", 1))).table
    other = other[other.metric.str.contains("mean over I/T")].set_index("technology")
    assert other.loc["sot", "paper_method"] == pytest.approx(37.5)
    per_phase = t[t.metric.str.contains("inference")].set_index("technology")
    assert per_phase.loc["stt", "paper_method"] == pytest.approx(75 * w7)
    assert per_phase.loc["sot", "gp102"] == pytest.approx(75.0)
    # the evidence run with the paper's DRAM reductions has them exactly
    ev0 = h.evidence.set_index(["run", "time_basis", "metric", "technology"])["value"]
    assert ev0[("paper+table2+paper_dram", "paper", "dram", "stt")] == pytest.approx(14.6)
    assert ev0[("paper+table2+paper_dram", "paper", "dram", "sot")] == pytest.approx(19.8)
    # what the rule costs where 7 / 10 MB can be simulated too (the hashed-set run): read off 6 / 12 MB minus
    # simulated, 75 w7 - 0 at 7 MB (still thrashing) and 75 w10 - 75 at 10 MB (fits)
    assert ev0[("paper-hashed", "paper", "interp_error_inference", "stt")] == pytest.approx(75 * w7)
    assert ev0[("paper-hashed", "paper", "interp_error_inference", "sot")] == pytest.approx(75 * w10 - 75)
    # the oracle's cycles do not depend on the technology: under the simulated delay the iso-capacity EDP
    # reduction is the iso-capacity energy ratio with DRAM, the delay ratio being 1
    ev = h.evidence.set_index(["run", "time_basis", "metric", "technology"])["value"]
    for tech in ("stt", "sot"):
        assert ev[("gp102", "sim", "delay_ratio_iso_area", tech)] == pytest.approx(1.0)
    sim = t[(t.time_basis == "sim") & (t.metric == "iso-area EDP reduction with DRAM, mean (×)")].set_index(
        "technology")
    for tech in ("stt", "sot"):
        ratio = ev[("gp102", "sim", "energy_ratio_iso_area", tech)] * ev[("gp102", "sim", "delay_ratio_iso_area",
                                                                          tech)]
        assert sim.loc[tech, "gp102"] == pytest.approx(ratio)
    # the 'why' cites the measured numbers
    assert f"{75 * w7 / 2:.1f} %" in dram.loc["stt", "why"] or f"{75 * w7:.1f} %" in dram.loc["stt", "why"]


def test_a_table_without_the_iso_area_rows_is_refused(tmp_path, analytic_counts):
    with pytest.raises(ConfigError, match="tech: no stt entry at 7 MB"):
        hl.run_headline(TECH.iloc[:3], phases=(("inference", 1),), options=StudyOptions(store=tmp_path, workers=1))


def test_sim_delay_uses_cycles_not_the_serial_sum(tmp_path, analytic_counts):
    """Under ``sim`` the delay is the oracle's cycles / 1.481 GHz; under ``paper`` the serial transactions x
    latency: the two differ, so each time basis is computed, not copied."""
    h = _run(tmp_path, (("inference", 4),))
    t = h.table
    timed = t[t.time_basis != "-"].pivot_table(index=["metric", "technology"], columns="time_basis",
                                               values="paper_method")
    assert (timed["paper"] != timed["sim"]).all()
    # one phase: EDP with DRAM = total-energy ratio x delay ratio, the serial delay under the paper's convention
    ev = h.evidence.set_index(["run", "time_basis", "metric", "technology"])["value"]
    pap = t[(t.time_basis == "paper") & (t.metric == "iso-area EDP reduction with DRAM, mean (×)")].set_index(
        "technology")
    for tech in ("stt", "sot"):
        ratio = (ev[("paper_method", "paper", "energy_ratio_iso_area", tech)]
                 * ev[("paper_method", "paper", "delay_ratio_iso_area", tech)])
        assert pap.loc[tech, "paper_method"] == pytest.approx(ratio)
    # the second convention by hand: (L2 energy + DRAM energy) x serial delay, SRAM 3 MB over STT 7 MB
    e = hl.with_energy(hl.method_counts(hl.GP102, (("inference", 4),), TECH, StudyOptions(store=tmp_path / "points",
                                                                                          workers=1)),
                       TECH, "gtx1080ti", "paper")
    ref, iso = hl._pick(e, "sram", 3.0), hl._pick(e, "stt", 7.0)
    by_hand = ((ref.l2_energy_nJ + ref.dram_energy_nJ) * ref.delay_paper_ns
               / ((iso.l2_energy_nJ + iso.dram_energy_nJ) * iso.delay_paper_ns)).iloc[0]
    row = t[t.metric.str.startswith("iso-area EDP reduction with DRAM, L2 leakage") & (t.technology == "stt")]
    assert row.gp102.iloc[0] == pytest.approx(by_hand)
    assert isinstance(h.evidence, pd.DataFrame) and set(h.evidence.run) == {
        "paper_method", "gp102", "paper-hashed", "paper+table2", "paper+table2+paper_dram"}


def test_paper_method_inference_lands_near_the_papers_iso_area_numbers(tmp_path):
    """Fidelity, on the real simulator: DarkNet's AlexNet inference at batch 4 (the paper's §IV-B batch) on the
    paper's config class with GPGPU-Sim's linear set index, 7 / 10 MB read off the 3/6/12/24 MB runs by the
    log2 rule, cuts DRAM accesses by 11.2 % / 17.0 % against the paper's 14.6 % / 19.8 % (DeepNVM++ §IV-B):
    within 4 percentage points, both below.  Training at batch 64 (not run here: ~2 CPU-minutes) gives 40.1 % /
    58.4 %, far above; the report states that gap (the paper does not say which phase Fig. 6 shows).  With the
    shipped hashed set index the same runs give 27.2 % / 42.4 % simulated directly: the set index, not the
    interpolation, is what the paper's numbers are sensitive to."""
    h = hl.run_headline(TECH, phases=(("inference", 4),), methods=(hl.PAPER_METHOD,), evidence=True,
                        options=StudyOptions(store=tmp_path, workers=1))
    t = h.table[h.table.metric.str.contains("inference")].set_index("technology")["paper_method"]
    assert 14.6 - 4 <= t["stt"] <= 14.6 and 19.8 - 4 <= t["sot"] <= 19.8
    ev = h.evidence.set_index(["run", "time_basis", "metric", "technology"])["value"]
    assert ev[("paper-hashed", "paper", "dram", "stt")] > 14.6 + 10
    assert ev[("paper-hashed", "paper", "dram", "sot")] > 19.8 + 20
    # the paper's energy convention, hypothesised: with Table II's parameters, the paper's DRAM reductions and L2
    # leakage over the L2's own delay, the iso-area EDP reduction with DRAM is 2.16x (STT) and 2.16x (SOT)
    # against the paper's 2.0x and 2.3x (Fig. 8 right): within 10 %
    assert ev[("paper+table2+paper_dram", "paper", "edp_iso_area_l2leak", "stt")] == pytest.approx(2.0, rel=0.1)
    assert ev[("paper+table2+paper_dram", "paper", "edp_iso_area_l2leak", "sot")] == pytest.approx(2.3, rel=0.1)
