"""Scratchpad studies on a tiny hand-built network with an injected technology table, and the CLI verbs.

Oracles: the seed paper's statements about its studies (Roy, Wang, Raghunathan §V-C: "In this [iso-capacity]
scenario, both DRAM accesses and on-chip access remain unchanged"; at iso-area "STT-MRAM requires fewer DRAM
accesses"; "improvement" = SRAM energy / STT-MRAM energy), log-log interpolation of a power-law table (exact
for power laws), and the bit-share arithmetic of heterogeneous words (9 sign+exponent bits of 32).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.errors import ConfigError
from simulator.cli import main
from simulator.studies.scratchpad import gemm_table, scratchpad_study
from simulator.studies.scratchpad_plots import component_ratios
from simulator.studies.scratchpad_report import reproduce_scratchpad
from simulator.studies.scratchpad_tech import buffer_techs, capacity_for_area
from tests.support import NET, power_table


def test_iso_capacity_rows_and_paper_invariants():
    caps = [0.01, 0.1, 1.0]
    df = scratchpad_study([NET], "iso_capacity", capacities_MB=caps, technologies=["sram", "mram"],
                          table=power_table())
    assert len(df) == len(caps) * 2
    for col in ("capacity_MB", "area_mm2", "dram_accesses", "energy_total_J", "energy_dram_J", "energy_read_J",
                "energy_write_J", "energy_leakage_J", "energy_compute_J", "cycles", "improvement"):
        assert col in df.columns
    s = df[df.technology == "sram"].set_index("capacity_MB")
    m = df[df.technology == "mram"].set_index("capacity_MB")
    # paper §V-C: at iso-capacity DRAM and on-chip accesses are the same for both technologies
    assert (s["dram_accesses"] == m["dram_accesses"]).all()
    assert (s["onchip_reads"] == m["onchip_reads"]).all() and (s["onchip_writes"] == m["onchip_writes"]).all()
    assert (s["improvement"] == 1.0).all()
    np.testing.assert_allclose(m["improvement"], s["energy_total_J"] / m["energy_total_J"])
    # leakage = buffers' leakage x step time; the buffer is a third of the capacity: 3 x 100 mW x (c/3)
    np.testing.assert_allclose(s["energy_leakage_J"], 100e-3 * s.index * s["time_s"], rtol=1e-9)
    np.testing.assert_allclose(m["area_mm2"], 1.0 * m.index, rtol=1e-9)
    # more capacity, less DRAM traffic
    assert s["dram_accesses"].is_monotonic_decreasing
    # total is the sum of the breakdown
    parts = df[["energy_dram_J", "energy_read_J", "energy_write_J", "energy_leakage_J", "energy_compute_J"]]
    np.testing.assert_allclose(parts.sum(axis=1), df["energy_total_J"])


def test_iso_area_denser_technology_holds_more_and_goes_to_dram_less():
    areas = [0.03, 0.3, 3.0]
    df = scratchpad_study([NET], "iso_area", areas_mm2=areas, technologies=["sram", "mram"], table=power_table())
    s = df[df.technology == "sram"].set_index("area_budget_mm2")
    m = df[df.technology == "mram"].set_index("area_budget_mm2")
    # area = 3c (sram) and c (mram) per MB: capacities are budget/3 and budget, split in thirds
    np.testing.assert_allclose(s["capacity_MB"], np.array(areas) / 3, rtol=1e-9)
    np.testing.assert_allclose(m["capacity_MB"], np.array(areas), rtol=1e-9)
    np.testing.assert_allclose(s["area_mm2"], areas, rtol=1e-9)
    assert (m["dram_accesses"] <= s["dram_accesses"]).all()
    assert (m["dram_accesses"] < s["dram_accesses"]).any()
    r = component_ratios(df)
    np.testing.assert_allclose(r["ratio_total"].to_numpy(), m["improvement"].to_numpy())


def test_interpolation_and_heterogeneous_mix():
    t = power_table()
    rows = buffer_techs(["sram", "mram", "hetero:mram+sram"], [("sram", 0.05), ("hetero:mram+sram", 0.05)], t)
    s = rows[("sram", 0.05)]
    assert s.leakage_mW == pytest.approx(100.0 * 0.05)          # power law: exact
    assert s.read_energy_nJ == pytest.approx(0.01 * math.sqrt(0.05))
    h = rows[("hetero:mram+sram", 0.05)]
    # sign + exponent (9 of 32 bits) on mram, mantissa (23 of 32) on sram
    assert h.write_energy_nJ == pytest.approx(9 / 32 * 0.1 * math.sqrt(0.05) + 23 / 32 * 0.01 * math.sqrt(0.05))
    assert h.write_latency_ns == pytest.approx(10.0)
    assert capacity_for_area("mram", 0.5, t) == pytest.approx(0.5)
    assert capacity_for_area("sram", 0.5, t) == pytest.approx(0.5 / 3)


def test_study_errors_name_the_field():
    with pytest.raises(ConfigError, match="mode"):
        scratchpad_study([NET], "iso_power", table=power_table())
    with pytest.raises(ConfigError, match="technology"):
        scratchpad_study([NET], capacities_MB=[1], technologies=["sram", "reram"], table=power_table())
    with pytest.raises(ConfigError, match="capacities_MB"):
        scratchpad_study([NET], capacities_MB=[0], technologies=["sram"], table=power_table())
    with pytest.raises(ConfigError, match="table"):
        scratchpad_study([NET], capacities_MB=[1], technologies=["sram"], table=pd.DataFrame({"technology": []}))


def test_layers_table_sums_to_totals():
    df, lay = scratchpad_study([NET], capacities_MB=[0.05], technologies=["sram", "mram"], table=power_table(),
                               layers=True)
    for t in ("sram", "mram"):
        assert lay[lay.technology == t]["energy_total_J"].sum() == pytest.approx(
            df[df.technology == t]["energy_total_J"].iloc[0])
    assert set(lay["layer"]) == {"fc0", "fc1", "fc2", "loss"}


def test_reproduce_report_places_paper_numbers(tmp_path):
    text = reproduce_scratchpad(tmp_path, quick=True, table=power_table(), technologies=("sram", "mram"),
                                networks=[NET], device=False)
    assert "up to 15×" in text and "up to 22×" in text
    assert (tmp_path / "REPORT.md").read_text() == text
    cap = pd.read_csv(tmp_path / "scratchpad_iso_capacity.csv")
    best = cap[cap.technology == "mram"]["improvement"].max()
    assert f"{best:.2f}×" in text
    assert (tmp_path / "scratchpad_iso_capacity.png").exists()
    assert (tmp_path / "scratchpad_iso_area.csv").exists()


def test_gemm_verb_prints_cycles(capsys):
    assert main(["scratchpad", "gemm", "257", "256", "100"]) == 0
    out = capsys.readouterr().out
    assert str(2 * (100 + 510)) in out
    row = gemm_table(257, 256, 100).iloc[0]
    assert row["folds"] == 2 and row["cycles"] == 1220 and row["cycles_overlap"] == 256 + 610
    assert main(["scratchpad", "gemm", "0", "1", "1"]) == 2


def test_iso_capacity_verb_writes_csv_and_png(tmp_path):
    table = tmp_path / "table.csv"
    power_table().to_csv(table, index=False)
    out = tmp_path / "out"
    rc = main(["scratchpad", "iso-capacity", "--networks", "lenet5:mnist", "--capacities", "0.01,1",
               "--technologies", "sram,mram", "--table", str(table), "--batch", "4", "--out", str(out), "--quiet"])
    assert rc == 0
    df = pd.read_csv(out / "scratchpad_iso_capacity.csv")
    assert len(df) == 4 and set(df.technology) == {"sram", "mram"}
    assert (out / "scratchpad_iso_capacity.png").exists()
    rc = main(["scratchpad", "iso-area", "--networks", "lenet5:mnist", "--areas", "0.03,3", "--technologies",
               "sram,mram", "--table", str(table), "--batch", "4", "--csv", str(out / "scratchpad_iso_area.csv"),
               "--quiet"])
    assert rc == 0
    assert len(pd.read_csv(out / "scratchpad_iso_area.csv")) == 4
    assert main(["scratchpad", "iso-capacity", "--capacities", "a,b", "--table", str(table)]) == 2


def test_per_buffer_technologies_mix_rows():
    df = scratchpad_study([NET], "iso_capacity", capacities_MB=[0.3], technologies=["sram", "mram", "sram/mram/sram"],
                          table=power_table())
    e = df.set_index("technology")
    # leakage: a third of 0.3 MB per buffer: sram 100 mW/MB, mram 20 mW/MB
    assert e.loc["sram/mram/sram", "leakage_mW"] == pytest.approx(0.1 * (100 + 20 + 100))
    assert e.loc["sram/mram/sram", "dram_accesses"] == e.loc["sram", "dram_accesses"]
    a = scratchpad_study([NET], "iso_area", areas_mm2=[0.3], technologies=["sram", "sram/mram/sram"],
                         table=power_table()).set_index("technology")
    # the weight buffer's 0.1 mm^2 holds 0.1 MB of mram, the others 0.1/3 MB of sram
    assert a.loc["sram/mram/sram", "weight_MB"] == pytest.approx(0.1)
    assert a.loc["sram/mram/sram", "activation_MB"] == pytest.approx(0.1 / 3)


def test_reproduce_report_states_what_sets_the_iso_area_improvement(tmp_path):
    # the report's decomposition of the best iso-area point: leakage-power ratio and run-time ratio from the study's
    # own table, and the MRAM leakage that would give the paper's 22x with the same counts (substituted back, it does)
    text = reproduce_scratchpad(tmp_path, quick=True, table=power_table(), technologies=("sram", "mram"),
                                networks=[NET], device=False)
    area = pd.read_csv(tmp_path / "scratchpad_iso_area.csv")
    m = area[area.technology == "mram"]
    at = m.loc[m["improvement"].idxmax(), "area_budget_mm2"]
    rows = area[area.area_budget_mm2 == at].set_index("technology")
    b, r = rows.loc["sram"], rows.loc["mram"]
    assert f"## What sets the iso-area improvement ({at:g} mm²" in text
    assert f"({b.leakage_mW / r.leakage_mW:.2f}×)" in text and f"{b.cycles / r.cycles:.2f}× fewer cycles" in text
    need_mW = (b.energy_total_J / 22.0 - (r.energy_total_J - r.energy_leakage_J)) / r.energy_leakage_J * r.leakage_mW
    if need_mW > 0:
        assert f"leak {need_mW / 1e3:.3g} W" in text
        scaled = r.energy_total_J - r.energy_leakage_J + r.energy_leakage_J * need_mW / r.leakage_mW
        assert b.energy_total_J / scaled == pytest.approx(22.0)


def test_iso_area_cause_leakage_needed_for_the_paper():
    # a leakage-dominated point (hand-made numbers): SRAM 100 W for 10 s = 1000 J + 10 J DRAM; MRAM 20 W for 5 s
    # = 100 J + 5 J DRAM.  22x needs MRAM energy 1010 / 22 = 45.9 J, so leakage 40.9 J, i.e. 8.18 W
    from simulator.studies.scratchpad_report import _iso_area_cause

    va = pd.DataFrame({"technology": ["sram", "mram"], "area_budget_mm2": [10.0, 10.0], "area_mm2": [10.0, 10.0],
                       "capacity_MB": [1.0, 3.0], "leakage_mW": [100e3, 20e3], "cycles": [10e9, 5e9],
                       "energy_leakage_J": [1000.0, 100.0], "energy_dram_J": [10.0, 5.0],
                       "energy_total_J": [1010.0, 105.0]})
    text = "\n".join(_iso_area_cause(va, "sram", "mram", 10.0))
    assert "(5.00×)" in text and "2.00× fewer cycles" in text and "at most 10.0×" in text
    assert "leak 8.18 W (818 mW/mm²) instead of 20 W" in text
    assert "follows the MRAM's leakage" in text
