"""The scratchpad paper's Table II (28 nm, iso-area SRAM vs baseline STT-MRAM) from nvmsim's circuit model.

Source: the STT-MRAM scratchpad paper for DNN training (Sec. V-B and Table II): in 0.5 mm^2 SRAM holds 183 KB
and MRAM 512 KB, in 48.1 mm^2 40592 KB and 131072 KB; "MRAM improves the iso-area capacity by 2.8-3.2x while
reducing the leakage power by a factor of 1.9-4.4" (SRAM 594 / 64257 mW, MRAM 323 / 14573 mW); read latency
0.2 / 3.3 ns and 10.3 / 14.6 ns, write latency 0.1 / 10.2 ns and 5.3 / 15.8 ns (SRAM / MRAM, 0.5 / 48.1 mm^2).
The paper chose NVSim's read-latency-optimal designs and says of its runs (Sec. V-B): "After experimenting various
optimization targets, we select *cache* configuration with *Read Latency* as the optimization target".  Both are
evaluated here with the shipped ``sram28`` / ``stt28`` cells.  The cache configuration is NVSim's shipped sample cache
(sample_STTRAM_cache.cfg: Sequential access, 16 ways, 512-bit lines), its tag array included in the area budget; the
RAM mode (a scratchpad has no tag array) is the one the iso-area tests below pin.

At 28 nm nvmsim runs NVSim's own model (``models.circuit.calibration.nvsim_stock``: NVSim's organisation space,
circuits and choice per target; checked against NVSim itself target by target in
tests/test_circuit_nvsim_targets.py), so where the paper and NVSim with these cells differ the tests follow NVSim and
say so: NVSim fits a 256 KB SRAM in 0.490 mm^2 (the paper's 183 KB is not a capacity it accepts) and gives the
128 MB MRAM 44.1 mm^2, not 48.1 (its reports are in tests/data/nvsim_28nm/).  Capacities are the largest that fit:
the read-latency optimum's area is not monotonic in capacity (``area_budget_capacity``); capacities between NVSim's
powers of two take its space with the subarrays' rows scaled (``models.circuit.nvsim_space``).  Tolerances and the
known deviations are stated at each test.
"""

import pytest

from models import area_budget_capacity, design_point
from models.cells import load_cell
from models.circuit import stock
from models.circuit.calibration import nvsim_stock
from models.technology import tech_node

PAPER_KB = {(0.5, "sram28"): 183, (0.5, "stt28"): 512, (48.1, "sram28"): 40592, (48.1, "stt28"): 131072}
PAPER_LEAK_MW = {(0.5, "sram28"): 594, (0.5, "stt28"): 323, (48.1, "sram28"): 64257, (48.1, "stt28"): 14573}
PAPER_LEAK_RATIO = {0.5: 594 / 323, 48.1: 64257 / 14573}  # 1.84 and 4.41 ("1.9-4.4")
PAPER_READ_NS = {(0.5, "sram28"): 0.2, (0.5, "stt28"): 3.3, (48.1, "sram28"): 10.3, (48.1, "stt28"): 14.6}
PAPER_WRITE_NS = {(0.5, "sram28"): 0.1, (0.5, "stt28"): 10.2, (48.1, "sram28"): 5.3, (48.1, "stt28"): 15.8}
KW = dict(node_nm=28, mode="ram", targets="read_latency")
# NVSim's sample cache configuration (sample_STTRAM_cache.cfg): -CacheAccessMode Sequential, 16 ways, 512-bit lines
CACHE = dict(node_nm=28, mode="cache", targets="read_latency", access_types=("sequential",), assoc=16, line_B=64)


def _table2(kw):
    out = {}
    for budget in (0.5, 48.1):
        for cell in ("sram28", "stt28"):
            cap = area_budget_capacity(cell, budget, **kw)
            out[budget, cell] = (cap * 1024, design_point(cell, cap, **kw))
    return out


@pytest.fixture(scope="module")
def table2():
    return _table2(KW)


@pytest.fixture(scope="module")
def cache_table2():
    return _table2(CACHE)


def test_capacities_in_the_large_budget(table2):
    # 48.1 mm^2: MRAM within +-10 % (nvmsim 141312 KB, +7.8 %), SRAM within +-20 % (46080 KB, +13.5 %: NVSim's own 32 MB
    # SRAM is nvmsim's to 0.05 %, tests/test_circuit_vs_nvsim.py, so the paper's 40592 KB is not what NVSim's rules give
    # with this cell); the ratio 3.07x between the low end of the paper's "2.8-3.2x" and its Table II's own ratio,
    # 131072 / 40592 = 3.23
    assert table2[48.1, "stt28"][0] == pytest.approx(PAPER_KB[48.1, "stt28"], rel=0.10)
    assert table2[48.1, "sram28"][0] == pytest.approx(PAPER_KB[48.1, "sram28"], rel=0.20)
    big = table2[48.1, "stt28"][0] / table2[48.1, "sram28"][0]
    assert 2.8 <= big <= PAPER_KB[48.1, "stt28"] / PAPER_KB[48.1, "sram28"]
    for budget in (0.5, 48.1):
        assert table2[budget, "sram28"][1].area_mm2 <= budget and table2[budget, "stt28"][1].area_mm2 <= budget


def test_capacities_in_the_small_budget(table2):
    # 0.5 mm^2, MRAM: the largest read-latency-optimal design that fits holds 592 KB (0.495 mm^2), above the paper's
    # 512 KB, whose own design takes 0.590 mm^2 in NVSim (nvmsim: 0.590, checked within 1 %): the optimum's area is not
    # monotonic in capacity (256 KB 0.222 mm^2, 512 KB 0.590, 592 KB 0.495).  Checked: within +-20 % of 512 KB.  Known
    # deviation from the paper, not from NVSim: the SRAM holds 296 KB (+62 % vs 183 KB; NVSim lays its own 256 KB
    # organisation out in 0.490 mm^2 with this cell), checked at >= 256 KB and < 1.7x the paper.  The small ratio is
    # therefore 2.0x, below the paper's "2.8-3.2x" (checked 1.8-3.5) and below the large budget's 3.07x, as in the
    # paper.
    assert 256 <= table2[0.5, "sram28"][0] < 1.7 * PAPER_KB[0.5, "sram28"]
    assert table2[0.5, "stt28"][0] == pytest.approx(PAPER_KB[0.5, "stt28"], rel=0.20)
    assert design_point("stt28", 0.5, **KW).area_mm2 == pytest.approx(0.590, rel=0.01)
    small = table2[0.5, "stt28"][0] / table2[0.5, "sram28"][0]
    assert 1.8 <= small <= 3.5
    assert small < table2[48.1, "stt28"][0] / table2[48.1, "sram28"][0]


def test_small_mram_read_latency_landscape_is_flat():
    # Why the small MRAM's capacity is sensitive: its read latency is the I-V converter's (NVSim: 1.45 ns at 28 nm) plus
    # ~0.2 ns of everything else, so organisations of very different area read almost equally fast.  At 512 KB the
    # fastest design takes 0.590 mm^2 and the fastest one within the paper's 0.5 mm^2 reads 0.4 % slower (checked:
    # within 3 %).
    best, _, dump = stock.array_search(load_cell("stt28"), tech_node(28), 512 * 1024.0, 128, 1, "ram",
                                       cal=nvsim_stock(), dump=True)
    rl, area = dump["read_latency"], dump["area"] * 1e6
    fits = area <= 0.5
    assert best["read_latency"].area * 1e6 > 0.5 and fits.any()
    assert rl[fits].min() <= 1.03 * best["read_latency"].read_latency


def test_budgets_are_the_mram_arrays_own_areas():
    # Table II's budgets hold a power-of-two MRAM (512 KB, 128 MB) and a fractional SRAM capacity, and Fig. 8's
    # budgets end at 187 mm^2 (about 4 x 48.1): the paper's budgets look like the areas of its NVSim MRAM arrays at
    # 512 KB, 128 MB and 512 MB.  NVSim itself with this cell (tests/data/nvsim_28nm/) gives the 128 MB MRAM
    # 44.097 mm^2, 8 % under 48.1; nvmsim too (checked within 0.5 %).  512 MB: 173 mm^2 (-7 % vs 187, checked +-10 %).
    d = design_point("stt28", 128, **KW)
    assert d.area_mm2 == pytest.approx(44.097, rel=0.005) and d.area_mm2 < 48.1
    assert design_point("stt28", 512, **KW).area_mm2 == pytest.approx(187, rel=0.10)


def test_leakage(table2):
    # 48.1 mm^2: SRAM within +-15 % (nvmsim 68.8 W, +7 %), MRAM within +-10 % (14.7 W, +0.8 %; most of it the
    # latency-first wordline and column-select drivers of every subarray), ratio within +-20 % of 4.41x (4.68x).
    # 0.5 mm^2: SRAM within +-30 % (735 mW at 296 KB, +24 %; NVSim's own 256 KB SRAM: 595 mW).  NVSim's own 512 KB MRAM
    # leaks 230.5 mW (nvmsim's: checked within 1 %; the paper 323 mW); the budget's 592 KB leaks 364 mW (+13 %,
    # checked +-20 %), so the small leakage ratio is 2.02x (paper 1.84x; inside its "1.9-4.4"), smaller than the large
    # budget's, as in the paper.
    ratios = {}
    for budget in (0.5, 48.1):
        ds, dm = table2[budget, "sram28"][1], table2[budget, "stt28"][1]
        ratios[budget] = ds.leakage_mW / dm.leakage_mW
    assert table2[48.1, "sram28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "sram28"], rel=0.15)
    assert table2[48.1, "stt28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "stt28"], rel=0.10)
    assert ratios[48.1] == pytest.approx(PAPER_LEAK_RATIO[48.1], rel=0.20)
    assert table2[0.5, "sram28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[0.5, "sram28"], rel=0.30)
    assert design_point("stt28", 0.5, **KW).leakage_mW == pytest.approx(230.5, rel=0.01)
    assert table2[0.5, "stt28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[0.5, "stt28"], rel=0.20)
    assert 1.9 <= ratios[0.5] <= 4.4
    assert ratios[48.1] > ratios[0.5] > 1.0


def test_latencies(table2):
    # 48.1 mm^2: MRAM within +-12 % (nvmsim 13.17 / 16.14 ns, -9.8 % / +2.2 %), SRAM within +-20 % (9.55 / 5.02 ns,
    # -7 % / -5 %, at its 13.5 % larger capacity; at the paper's 40592 KB 8.59 / 4.54 ns, -17 % / -14 %, checked within
    # +-20 %): the H-tree's wires dominate, as NVSim's passive wire model makes them.  0.5 mm^2: MRAM writes take the
    # 10 ns pulse plus periphery (10.15 ns vs 10.2, checked 10-11 ns); SRAM reads and writes are fast (0.182 / 0.131 ns
    # vs 0.2 / 0.1; NVSim's own 256 KB SRAM 0.153 / 0.100 ns; checked below 0.35 ns, write faster than read).  The
    # small MRAM's read (1.66 ns vs 3.3) is the deviation that test_mram_read_latency_points_to_sequential_cache_runs
    # explains.
    for key, rel in (((48.1, "sram28"), 0.20), ((48.1, "stt28"), 0.12)):
        d = table2[key][1]
        assert d.read_latency_ns == pytest.approx(PAPER_READ_NS[key], rel=rel), key
        assert d.write_latency_ns == pytest.approx(PAPER_WRITE_NS[key], rel=rel), key
    paper_cap = design_point("sram28", PAPER_KB[48.1, "sram28"] / 1024, **KW)
    assert paper_cap.read_latency_ns == pytest.approx(PAPER_READ_NS[48.1, "sram28"], rel=0.20)
    assert paper_cap.write_latency_ns == pytest.approx(PAPER_WRITE_NS[48.1, "sram28"], rel=0.20)
    m_small, s_small = table2[0.5, "stt28"][1], table2[0.5, "sram28"][1]
    assert 10.0 < m_small.write_latency_ns < 11.0
    assert s_small.write_latency_ns < s_small.read_latency_ns < 0.35
    assert s_small.read_latency_ns < m_small.read_latency_ns


def test_passive_htree_is_what_stock_nvsim_builds():
    # NVSim's unrepeated H-tree (Wire.cpp, RepeatedNone) is a passive wire, 2.3 R C / 2 per segment with no node
    # buffers.  With it (the stock model) nvmsim's read latencies land within +-25 % of Table II at the paper's large
    # capacities (SRAM 40592 KB 8.59 ns vs 10.3, MRAM 128 MB 12.82 vs 14.6) and on NVSim's own 256 KB SRAM (0.153 ns,
    # checked within 1 %).  The DeepNVM++-fitted model run at 28 nm (since the 2026-12 refit also passive segments,
    # but at the fitted 0.45 R C each, and the fitted drivers) is off by 40 % or more at the large capacities (5.06,
    # 7.03 ns) and by +20 % at 256 KB (0.184 ns), and its cheap long wires let the 128 MB MRAM spread out to 60.3 mm^2
    # (NVSim: 44.1).
    for cell, kb, ref, rel, off in (("sram28", 40592, PAPER_READ_NS[48.1, "sram28"], 0.25, 0.4),
                                    ("stt28", 131072, PAPER_READ_NS[48.1, "stt28"], 0.25, 0.4),
                                    ("sram28", 256, 0.153, 0.01, 0.15)):
        passive = design_point(cell, kb / 1024, **KW)
        fitted = design_point(cell, kb / 1024, buffer_design="balanced", **KW)
        assert passive.read_latency_ns == pytest.approx(ref, rel=rel), cell
        assert abs(fitted.read_latency_ns / ref - 1) > off, cell
    assert design_point("stt28", 128, buffer_design="balanced", **KW).area_mm2 > 1.2 * 44.097


def test_mram_read_latency_points_to_sequential_cache_runs():
    # A single current-sensed MRAM read at 512 KB takes ~1.64 ns in NVSim's structure (its 1.45 ns I-V converter + the
    # rest); Table II's 3.3 ns is two of them in a row, the tag then the data of a Sequential-access cache.  nvmsim in
    # that mode at the paper's 512 KB: 3.27 ns (within +-10 %); the RAM mode reads in 1.64 ns.
    assert design_point("stt28", 0.5, **CACHE).read_latency_ns == pytest.approx(3.3, rel=0.10)
    assert design_point("stt28", 0.5, **KW).read_latency_ns < 0.6 * 3.3


def test_only_sequential_cache_mode_reads_mram_in_3_3ns():
    # Of NVSim's three access types only Sequential (tag, then the hit way) puts two current-sensed reads in series.
    # Normal and Fast read tag and data in parallel: ~1.7 ns at 512 KB (checked below 0.6 x 3.3 ns).  With the whole
    # set read out (Fast) even the smallest MRAM cache (32 KB: 0.59 mm^2) does not fit 0.5 mm^2.
    for acc in ("normal", "fast"):
        kw = {**CACHE, "access_types": (acc,)}
        assert design_point("stt28", 0.5, **kw).read_latency_ns < 0.6 * 3.3, acc
    assert design_point("stt28", 1 / 32, **{**CACHE, "access_types": ("fast",)}).area_mm2 > 0.5


def test_cache_mode_table2(cache_table2, table2):
    # Table II evaluated as the paper states it (Sec. V-B: "cache configuration", read-latency target) with NVSim's
    # sample cache shape (Sequential, 16-way, 512-bit lines), the tag array inside the budget.
    c = cache_table2
    # 48.1 mm^2: SRAM 42496 KB (+4.7 %, checked +-15 %), MRAM 116736 KB (-11 %, checked +-20 %), ratio 2.75 (checked
    # 2.5-3.2, the paper 2.8-3.2x); the tag arrays take 7-8 % of the budget (checked < 12 %)
    assert c[48.1, "sram28"][0] == pytest.approx(PAPER_KB[48.1, "sram28"], rel=0.15)
    assert c[48.1, "stt28"][0] == pytest.approx(PAPER_KB[48.1, "stt28"], rel=0.20)
    assert 2.5 <= c[48.1, "stt28"][0] / c[48.1, "sram28"][0] <= 3.2
    for key, (_, d) in c.items():
        assert d.area_mm2 <= key[0] and d.tag_area_mm2 > 0, key
        if key[0] == 48.1:
            assert d.tag_area_mm2 < 0.12 * d.area_mm2, key
    # latencies: MRAM read at 0.5 mm^2 3.25 ns (paper 3.3, checked +-5 %), write 10.14 ns (paper 10.2, checked 10-11);
    # 48.1 mm^2 reads 9.58 / 12.82 ns (-7 % / -12 %, checked +-15 %), writes 4.69 / 14.80 ns (-11 % / -6 %, checked
    # +-15 %)
    assert c[0.5, "stt28"][1].read_latency_ns == pytest.approx(PAPER_READ_NS[0.5, "stt28"], rel=0.05)
    assert 10.0 < c[0.5, "stt28"][1].write_latency_ns < 11.0
    for key in ((48.1, "sram28"), (48.1, "stt28")):
        d = c[key][1]
        assert d.read_latency_ns == pytest.approx(PAPER_READ_NS[key], rel=0.15), key
        assert d.write_latency_ns == pytest.approx(PAPER_WRITE_NS[key], rel=0.15), key
    # known deviation, SRAM read at 0.5 mm^2: 0.23 ns vs 0.2 (tag + comparator + data in series): checked below 0.5 ns
    assert c[0.5, "sram28"][1].read_latency_ns < 0.5
    # the small budget: the tag arrays take 26 % (SRAM) and 35 % (MRAM) of their designs (checked: MRAM > 15 %), so the
    # MRAM cache holds 400 KB vs 512 (SRAM 200 vs 183 KB) and the capacity ratio is 2.0 (paper 2.8, RAM mode 2.0).
    # Leakages 624 / 220 mW vs 594 / 323 (checked 0.4-1.2x); their ratio 2.83 is above the paper's 1.84 (the small
    # MRAM's periphery leaks less than the paper's).
    m_small, s_small = c[0.5, "stt28"][1], c[0.5, "sram28"][1]
    assert m_small.tag_area_mm2 > 0.15 * m_small.area_mm2
    assert 1.2 <= c[0.5, "stt28"][0] / c[0.5, "sram28"][0] < 2.8
    assert s_small.leakage_mW / m_small.leakage_mW > PAPER_LEAK_RATIO[0.5]
    for cell in ("sram28", "stt28"):
        assert 0.4 * PAPER_LEAK_MW[0.5, cell] <= c[0.5, cell][1].leakage_mW <= 1.2 * PAPER_LEAK_MW[0.5, cell], cell
    # 48.1 mm^2 leakage: SRAM 67.9 W (+6 %, checked +-15 %); the MRAM's read-latency optimum at 116736 KB leaks 27.8 W,
    # 1.9x the paper's 14.6 W and its own RAM array's 14.7 W (NVSim's 128 MB Sequential cache, which misses the budget
    # at 48.6 mm^2, leaks 15.5 W): checked within 1.5-2.5x the paper
    assert c[48.1, "sram28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "sram28"], rel=0.15)
    assert 1.5 < c[48.1, "stt28"][1].leakage_mW / PAPER_LEAK_MW[48.1, "stt28"] < 2.5


def test_the_papers_runs_used_hp_devices_at_350K():
    # The cause of the 28 nm leakage, checked on the paper's own 48.1 mm^2 SRAM (40592 KB, where the cells'
    # leakage dominates): with NVSim's 28 nm HP devices at 350 K (the shipped configurations' setting) nvmsim is
    # within 15 % of the paper's 64 257 mW (60 984 mW); at 300 K it falls below 65 % of it (39 402) and with LSTP
    # devices below 1 % (8 mW), so neither can be what the paper ran.
    cap = PAPER_KB[48.1, "sram28"] / 1024
    hp350 = design_point("sram28", cap, **KW).leakage_mW
    hp300 = design_point("sram28", cap, temperature_K=300, **KW).leakage_mW
    lstp = design_point("sram28", cap, roadmap="lstp", **KW).leakage_mW
    paper = PAPER_LEAK_MW[48.1, "sram28"]
    assert hp350 == pytest.approx(paper, rel=0.15)
    assert hp300 < 0.65 * paper and lstp < 0.01 * paper


def test_latency_first_drivers_are_the_missing_mram_leakage():
    # The MRAM's leakage is its periphery's.  With the DeepNVM++-fitted "balanced" periphery (stage effort 16,
    # buffered H-tree, no column decoder) the paper's 512 KB MRAM leaks under a third of Table II's 323 mW
    # (101 mW); NVSim's stock model, as the paper's stock NVSim configuration builds it, leaks 2.3x more (230.5 mW).
    cap = PAPER_KB[0.5, "stt28"] / 1024
    bal = design_point("stt28", cap, buffer_design="balanced", **KW)
    lat = design_point("stt28", cap, buffer_design="latency", **KW)
    assert design_point("stt28", cap, **KW) == lat  # "auto" at 28 nm
    assert bal.leakage_mW < 0.4 * PAPER_LEAK_MW[0.5, "stt28"]
    assert lat.leakage_mW > 1.5 * bal.leakage_mW


def test_cli_iso_area_with_a_target_gives_the_same_capacities(table2, tmp_path):
    # `nvmsim tech iso-area --area 0.5 --target read_latency` is the Python API's Table II (same design cache)
    import pandas as pd

    from simulator.cli import main

    args = ["tech", "iso-area", "--area", "0.5", "--cells", "sram28,stt28", "--node", "28", "--mode", "ram",
            "--target", "read_latency", "--out", str(tmp_path), "--quiet"]
    assert main(args) == 0
    df = pd.read_csv(tmp_path / "iso_area.csv").set_index("technology")
    for cell in ("sram28", "stt28"):
        assert df.loc[cell, "capacity_MB"] * 1024 == pytest.approx(table2[0.5, cell][0]), cell
