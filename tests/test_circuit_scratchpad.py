"""The scratchpad paper's Table II (28 nm, iso-area SRAM vs baseline STT-MRAM) from nvmsim's circuit model.

Source: the STT-MRAM scratchpad paper for DNN training (Sec. V-B and Table II): in 0.5 mm^2 SRAM holds 183 KB
and MRAM 512 KB, in 48.1 mm^2 40592 KB and 131072 KB; "MRAM improves the iso-area capacity by 2.8-3.2x while
reducing the leakage power by a factor of 1.9-4.4" (SRAM 594 / 64257 mW, MRAM 323 / 14573 mW).  The paper chose
NVSim's designs with the read-latency target (Sec. V-B), so these tests do too, in RAM mode (a scratchpad has no
tag array) with the shipped ``sram28`` / ``stt28`` cells.  The paper ran stock NVSim (Sec. IV), whose shipped
configurations (nvsim.cfg, sample_STTRAM_cache.cfg) use the HP roadmap at 350 K and latency-first drivers
("-BufferDesignOptimization: latency"); nvmsim's default ``buffer_design="auto"`` picks NVSim's latency-first
drivers at 28 nm.  Tolerances and the known deviations are stated at each test.
"""

import pytest

from models import area_budget_capacity, design_point

PAPER_KB = {(0.5, "sram28"): 183, (0.5, "stt28"): 512, (48.1, "sram28"): 40592, (48.1, "stt28"): 131072}
PAPER_LEAK_MW = {(0.5, "sram28"): 594, (0.5, "stt28"): 323, (48.1, "sram28"): 64257, (48.1, "stt28"): 14573}
PAPER_LEAK_RATIO = {0.5: 594 / 323, 48.1: 64257 / 14573}  # 1.84 and 4.41 ("1.9-4.4")
KW = dict(node_nm=28, mode="ram", targets="read_latency")


@pytest.fixture(scope="module")
def table2():
    out = {}
    for budget in (0.5, 48.1):
        for cell in ("sram28", "stt28"):
            cap = area_budget_capacity(cell, budget, **KW)
            out[budget, cell] = (cap * 1024, design_point(cell, cap, **KW))
    return out


def test_capacities_in_the_area_budgets(table2):
    # 48.1 mm^2: both within +-20 % (nvmsim: SRAM 39936 KB, MRAM 116736 KB); 0.5 mm^2: MRAM within +-20 % (496 KB).
    # Known deviation: nvmsim's small SRAM is denser than the paper's NVSim design (248 KB vs 183), checked from
    # the paper's figure to 1.5x it.
    for key in ((48.1, "sram28"), (48.1, "stt28"), (0.5, "stt28")):
        assert table2[key][0] == pytest.approx(PAPER_KB[key], rel=0.20), key
    assert PAPER_KB[0.5, "sram28"] <= table2[0.5, "sram28"][0] <= 1.5 * PAPER_KB[0.5, "sram28"]
    for budget in (0.5, 48.1):
        assert table2[budget, "sram28"][1].area_mm2 <= budget and table2[budget, "stt28"][1].area_mm2 <= budget


def test_mram_holds_about_three_times_the_sram_capacity(table2):
    # paper: 2.8-3.2x.  nvmsim: 2.92x at 48.1 mm^2 (checked within 2.8-3.2 +-10 %); 2.00x at 0.5 mm^2, where the
    # SRAM comes out too dense (checked 1.9 to 3.2); larger in the larger area, where the MRAM's per-sense-amplifier
    # I-V converters (NVSim's 50 000 F^2) weigh less
    big = table2[48.1, "stt28"][0] / table2[48.1, "sram28"][0]
    small = table2[0.5, "stt28"][0] / table2[0.5, "sram28"][0]
    assert 2.8 * 0.90 <= big <= 3.2 * 1.10
    assert 1.9 <= small <= 3.2
    assert big > small


def test_leakage(table2):
    # Absolute leakage.  SRAM (cells dominate) within +-30 % at both budgets (nvmsim 448 / 56 870 mW).  MRAM (all
    # periphery, mostly the latency-first wordline drivers of every row): within +-30 % at 48.1 mm^2 (11 061 mW vs
    # 14 573) and within a factor of 2 at 0.5 mm^2 (185 mW vs 323; known deviation, the paper's small arrays carry
    # more periphery).  Ratio SRAM/MRAM within +-35 % of the paper's 1.84x / 4.41x (nvmsim 2.42x / 5.14x, +32 % /
    # +17 %) and larger in the larger area, as in the paper.
    ratios = {}
    for budget in (0.5, 48.1):
        ds, dm = table2[budget, "sram28"][1], table2[budget, "stt28"][1]
        assert ds.leakage_mW == pytest.approx(PAPER_LEAK_MW[budget, "sram28"], rel=0.30), budget
        ratios[budget] = ds.leakage_mW / dm.leakage_mW
        assert ratios[budget] == pytest.approx(PAPER_LEAK_RATIO[budget], rel=0.35), (budget, ratios[budget])
    assert table2[48.1, "stt28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "stt28"], rel=0.30)
    m_small = table2[0.5, "stt28"][1].leakage_mW
    assert PAPER_LEAK_MW[0.5, "stt28"] / 2 <= m_small <= PAPER_LEAK_MW[0.5, "stt28"] * 1.3
    assert ratios[48.1] > ratios[0.5]


def test_mram_write_latency_is_the_pulse_plus_periphery(table2):
    # paper Table II: MRAM writes take 10.2 ns at 0.5 mm^2 and 15.8 ns at 48.1 mm^2 with the 10 ns pulse of the
    # baseline cell; SRAM reads and writes are much faster in the small array (0.2 / 0.1 ns) than MRAM's.
    # Checked: MRAM write latency within 10-12 ns at 0.5 mm^2 and +-30 % of 15.8 ns at 48.1 mm^2; SRAM faster
    # than MRAM in both reads and writes at 0.5 mm^2.
    m_small, m_big = table2[0.5, "stt28"][1], table2[48.1, "stt28"][1]
    s_small = table2[0.5, "sram28"][1]
    assert 10.0 < m_small.write_latency_ns < 12.0
    assert m_big.write_latency_ns == pytest.approx(15.8, rel=0.30)
    assert s_small.read_latency_ns < m_small.read_latency_ns and s_small.write_latency_ns < m_small.write_latency_ns


def test_the_papers_runs_used_hp_devices_at_350K():
    # The cause of the 28 nm leakage, checked on the paper's own 48.1 mm^2 SRAM (40592 KB, where the cells'
    # leakage dominates): with NVSim's 28 nm HP devices at 350 K (the shipped configurations' setting) nvmsim is
    # within 15 % of the paper's 64 257 mW; at 300 K it falls below 65 % of it and with LSTP devices below 1 %,
    # so neither can be what the paper ran.
    cap = PAPER_KB[48.1, "sram28"] / 1024
    hp350 = design_point("sram28", cap, **KW).leakage_mW
    hp300 = design_point("sram28", cap, temperature_K=300, **KW).leakage_mW
    lstp = design_point("sram28", cap, roadmap="lstp", **KW).leakage_mW
    paper = PAPER_LEAK_MW[48.1, "sram28"]
    assert hp350 == pytest.approx(paper, rel=0.15)
    assert hp300 < 0.65 * paper and lstp < 0.01 * paper


def test_latency_first_drivers_are_the_missing_mram_leakage():
    # The MRAM's leakage is its periphery's.  With the DeepNVM++-fitted "balanced" drivers (stage effort 16) the
    # paper's 512 KB MRAM leaks a third of Table II's 323 mW (105 mW; the model before this choice: 84 mW at its own
    # 672 KB); NVSim's latency-first drivers, as the paper's stock NVSim configuration selects, leak 2.3x more.
    cap = PAPER_KB[0.5, "stt28"] / 1024
    bal = design_point("stt28", cap, buffer_design="balanced", **KW)
    lat = design_point("stt28", cap, buffer_design="latency", **KW)
    assert design_point("stt28", cap, **KW) == lat  # "auto" at 28 nm
    assert bal.leakage_mW < 0.4 * PAPER_LEAK_MW[0.5, "stt28"]
    assert lat.leakage_mW > 1.5 * bal.leakage_mW
