"""The scratchpad paper's Table II (28 nm, iso-area SRAM vs baseline STT-MRAM) from nvmsim's circuit model.

Source: the STT-MRAM scratchpad paper for DNN training (Sec. V-B and Table II): in 0.5 mm^2 SRAM holds 183 KB
and MRAM 512 KB, in 48.1 mm^2 40592 KB and 131072 KB; "MRAM improves the iso-area capacity by 2.8-3.2x while
reducing the leakage power by a factor of 1.9-4.4" (SRAM 594 / 64257 mW, MRAM 323 / 14573 mW); read latency
0.2 / 3.3 ns and 10.3 / 14.6 ns, write latency 0.1 / 10.2 ns and 5.3 / 15.8 ns (SRAM / MRAM, 0.5 / 48.1 mm^2).
The paper chose NVSim's read-latency-optimal designs and says of its runs (Sec. V-B): "After experimenting various
optimization targets, we select *cache* configuration with *Read Latency* as the optimization target".  Both are
evaluated here with the shipped ``sram28`` / ``stt28`` cells.  The cache configuration is NVSim's shipped sample cache
(sample_STTRAM_cache.cfg: Sequential access, 16 ways, 512-bit lines), its tag array included in the area budget; the
RAM mode (a scratchpad has no tag array) is the one the iso-area tests below pin, because it matches the paper's table
better: mean |ln error| of the four capacities 0.15 (RAM) vs 0.37 (Sequential cache), of the four leakages 0.29 vs
0.44, of the eight latencies 0.20 vs 0.15 (the cache's 3.3 ns MRAM read is its one clear gain);
test_cache_mode_table2 and test_only_sequential_cache_mode_reads_mram_in_3_3ns document the cache modes.  The paper
ran stock NVSim (Sec. IV); nvmsim's default ``buffer_design="auto"`` builds NVSim's stock periphery at 28 nm
(``models.circuit.calibration.nvsim_stock``: latency-first drivers sized by NVSim's stage rule, the passive unrepeated
H-tree, column-select decoders, NVSim's mats of 1 x 1 to 2 x 2 subarrays and tag-array organisation; NVSim's 32 nm
wire tables and its I-V converter step value at 28 nm).  Tolerances and the known deviations are stated at each test.
"""

import dataclasses

import numpy as np
import pytest

from models import area_budget_capacity, design_point
from models.cells import load_cell
from models.circuit.calibration import nvsim_stock
from models.circuit.search import array_optima, cache_specs, design
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
    # 48.1 mm^2: both within +-6 % (nvmsim 38912 KB, -4.1 %; 124928 KB, -4.7 %), the ratio between the low end of the
    # paper's "2.8-3.2x" and its Table II's own ratio, 131072 / 40592 = 3.23 (nvmsim 3.21x)
    for key in ((48.1, "sram28"), (48.1, "stt28")):
        assert table2[key][0] == pytest.approx(PAPER_KB[key], rel=0.06), key
    big = table2[48.1, "stt28"][0] / table2[48.1, "sram28"][0]
    assert 2.8 <= big <= PAPER_KB[48.1, "stt28"] / PAPER_KB[48.1, "sram28"]
    for budget in (0.5, 48.1):
        assert table2[budget, "sram28"][1].area_mm2 <= budget and table2[budget, "stt28"][1].area_mm2 <= budget


def test_capacities_in_the_small_budget(table2):
    # 0.5 mm^2: SRAM within +-20 % (nvmsim 216 KB, +18 %).  Known deviation: MRAM 368 KB vs 512 KB (ratio 1.70x vs
    # 2.8x).  At small capacities the MRAM's area hardly grows with capacity (I-V converters, drivers and strips of
    # many small subarrays; the paper itself finds SRAM and MRAM equal in area near 128 KB and MRAM 2.8x denser at
    # 0.5 mm^2), so a modest area error becomes a large capacity error: at the paper's own 512 KB nvmsim's MRAM
    # takes 0.591 mm^2 (+18 %, checked within +25 %), and test_small_mram_read_latency_landscape_is_flat shows why
    # the chosen organisation is not pinned down better.  The SRAM's area is as flat across NVSim's mat shapes: at
    # 183 KB, mats of one subarray (a predecoder each) fill 0.510 mm^2, but read 3 % slower (0.246 ns) than the chosen
    # 1 x 2 mats (0.444 mm^2, 0.238 ns).  Still, MRAM holds more than SRAM, and the ratio grows with the area as in
    # the paper.
    assert table2[0.5, "sram28"][0] == pytest.approx(PAPER_KB[0.5, "sram28"], rel=0.20)
    assert design_point("stt28", 0.5, **KW).area_mm2 == pytest.approx(0.5, rel=0.25)
    small = table2[0.5, "stt28"][0] / table2[0.5, "sram28"][0]
    big = table2[48.1, "stt28"][0] / table2[48.1, "sram28"][0]
    assert 1.3 <= small < big


def test_small_mram_read_latency_landscape_is_flat():
    # Why the small MRAM's capacity is ill-determined: its read latency is the I-V converter's (NVSim: 1.45 ns at
    # 28 nm) plus ~0.3 ns of everything else, so organisations of very different area read almost equally fast.
    # At 512 KB the fastest design takes 0.591 mm^2 and the fastest one within the paper's 0.5 mm^2 reads only
    # 1.8 % slower (checked: within 3 %); which of them NVSim's own delay details pick cannot be resolved here.
    cal = nvsim_stock()
    spec, _ = cache_specs(512 * 1024, 16, 128, "ram", cal)
    best, res, _ = array_optima(load_cell("stt28"), tech_node(28), spec, ("read_latency",), cal)
    rl, area = res["read_latency_s"], res["area_m2"] * 1e6
    aspect = np.maximum(res["width_m"], res["height_m"]) / np.minimum(res["width_m"], res["height_m"])
    fits = (area <= 0.5) & (aspect <= cal.max_bank_aspect)
    assert area[best["read_latency"]] > 0.5 and fits.any()
    assert rl[fits].min() <= 1.03 * rl[best["read_latency"]]


def test_budgets_are_the_mram_arrays_own_areas():
    # Table II's budgets hold a power-of-two MRAM (512 KB, 128 MB) and a fractional SRAM capacity, and Fig. 8's
    # budgets end at 187 mm^2 (about 4 x 48.1): the paper's budgets are the areas of its NVSim MRAM arrays at 512 KB,
    # 128 MB and 512 MB.  nvmsim: 49.9 mm^2 at 128 MB (+3.8 %, checked within +-5 %), 200 mm^2 at 512 MB (+6.8 %,
    # checked within +-10 %).  (The 512 KB case is the small-budget deviation above.)
    assert design_point("stt28", 128, **KW).area_mm2 == pytest.approx(48.1, rel=0.05)
    assert design_point("stt28", 512, **KW).area_mm2 == pytest.approx(187, rel=0.10)


def test_leakage(table2):
    # 48.1 mm^2: SRAM within +-15 % (nvmsim 56 272 mW, -12 %), MRAM within +-10 % (14 926 mW, +2 %; most of it
    # the latency-first wordline and column-select drivers of every subarray), ratio within +-15 % of 4.41x (3.77x).
    # 0.5 mm^2, known deviation: both leak less than in the paper, SRAM 374 mW (-37 %, checked >= 0.55x) and MRAM
    # 189 mW at its smaller capacity (237 mW at the paper's 512 KB, -27 %, checked >= 0.65x): NVSim's small arrays
    # leak ~0.7 W/mm^2 of periphery against nvmsim's ~0.2-0.4; the ratio is within +-15 % of 1.84x (1.98x) and
    # smaller than in the large budget, as in the paper.
    ratios = {}
    for budget in (0.5, 48.1):
        ds, dm = table2[budget, "sram28"][1], table2[budget, "stt28"][1]
        ratios[budget] = ds.leakage_mW / dm.leakage_mW
    assert table2[48.1, "sram28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "sram28"], rel=0.15)
    assert table2[48.1, "stt28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "stt28"], rel=0.10)
    assert ratios[48.1] == pytest.approx(PAPER_LEAK_RATIO[48.1], rel=0.15)
    assert 0.55 * PAPER_LEAK_MW[0.5, "sram28"] <= table2[0.5, "sram28"][1].leakage_mW <= PAPER_LEAK_MW[0.5, "sram28"]
    m512 = design_point("stt28", 0.5, **KW).leakage_mW
    assert 0.65 * PAPER_LEAK_MW[0.5, "stt28"] <= m512 <= PAPER_LEAK_MW[0.5, "stt28"]
    assert ratios[0.5] == pytest.approx(PAPER_LEAK_RATIO[0.5], rel=0.15)
    assert ratios[48.1] > ratios[0.5]


def test_latencies(table2):
    # 48.1 mm^2: all four within +-10 % (nvmsim SRAM 10.86 / 5.54 ns, +5 % / +4 %; MRAM 13.71 / 16.55 ns, -6 % /
    # +5 %): the H-tree's wires dominate, as NVSim's passive wire model makes them.  0.5 mm^2: MRAM writes take
    # the 10 ns pulse plus periphery (10.15 ns vs 10.2, checked 10-11 ns); SRAM reads and writes are fast
    # (0.25 / 0.16 ns vs 0.2 / 0.1; checked below 0.35 ns, write faster than read).  The small MRAM's read (1.70 ns
    # vs 3.3) is the deviation test_mram_read_latency_points_to_sequential_cache_runs explains.
    for key in ((48.1, "sram28"), (48.1, "stt28")):
        d = table2[key][1]
        assert d.read_latency_ns == pytest.approx(PAPER_READ_NS[key], rel=0.10), key
        assert d.write_latency_ns == pytest.approx(PAPER_WRITE_NS[key], rel=0.10), key
    m_small, s_small = table2[0.5, "stt28"][1], table2[0.5, "sram28"][1]
    assert 10.0 < m_small.write_latency_ns < 11.0
    assert s_small.write_latency_ns < s_small.read_latency_ns < 0.35
    assert s_small.read_latency_ns < m_small.read_latency_ns


def test_passive_htree_is_what_stock_nvsim_builds():
    # NVSim's unrepeated H-tree (Wire.cpp, RepeatedNone) is a passive wire, 2.3 R C / 2 per segment with no node
    # buffers.  With it, nvmsim's read latencies at the paper's own capacities land within +-25 % of Table II (SRAM
    # 40592 KB 11.5 ns vs 10.3, MRAM 128 MB 14.0 vs 14.6, SRAM 183 KB 0.24 vs 0.2); with a buffer at every node (the
    # model fitted to DeepNVM++ at 16 nm) they are off by half or more (5.2, 7.2, 0.52 ns), and the buffered tree's
    # cheap long wires let the 128 MB MRAM spread out to 58.9 mm^2 (paper: 48.1; passive: 49.9).
    stock = nvsim_stock()
    buffered = dataclasses.replace(stock, htree_node_buffers=True)
    tech = tech_node(28)
    for cell, kb, key in (("sram28", 40592, (48.1, "sram28")), ("stt28", 131072, (48.1, "stt28")),
                          ("sram28", 183, (0.5, "sram28"))):
        c = load_cell(cell)
        passive = design(c, tech, kb * 1024, mode="ram", targets="read_latency", cal=stock)
        buf = design(c, tech, kb * 1024, mode="ram", targets="read_latency", cal=buffered)
        paper = PAPER_READ_NS[key]
        assert passive.read_latency_ns == pytest.approx(paper, rel=0.25), cell
        assert abs(buf.read_latency_ns / paper - 1) > 0.45, cell
    c = load_cell("stt28")
    assert design(c, tech, 2**27, mode="ram", targets="read_latency", cal=buffered).area_mm2 > 1.15 * 48.1
    assert design(c, tech, 2**27, mode="ram", targets="read_latency", cal=stock).area_mm2 < 1.05 * 48.1


def test_mram_read_latency_points_to_sequential_cache_runs():
    # A single current-sensed MRAM read at 512 KB takes ~1.7 ns in NVSim's structure (its 1.45 ns I-V converter + the
    # rest); Table II's 3.3 ns is two of them in a row, the tag then the data of a Sequential-access cache.  nvmsim in
    # that mode at the paper's 512 KB: 3.42 ns (within +-10 %); the RAM mode reads in 1.74 ns.
    assert design_point("stt28", 0.5, **CACHE).read_latency_ns == pytest.approx(3.3, rel=0.10)
    assert design_point("stt28", 0.5, **KW).read_latency_ns < 0.6 * 3.3


def test_only_sequential_cache_mode_reads_mram_in_3_3ns():
    # Of NVSim's three access types only Sequential (tag, then the hit way) puts two current-sensed reads in series.
    # Normal and Fast read tag and data in parallel: ~1.8 ns at 512 KB (checked below 0.6 x 3.3 ns).  They also fit
    # the paper's budgets worse: with all 16 ways of a set in one row (Normal) or the whole set read out (Fast) the
    # small MRAM caches are large, so in 0.5 mm^2 a Normal MRAM cache holds barely more than the SRAM one (144 vs
    # 136 KB, checked below 1.2x; Sequential 1.53x, the paper 2.8x) and even the smallest Fast one (32 KB: 0.88 mm^2)
    # does not fit.
    for acc in ("normal", "fast"):
        kw = {**CACHE, "access_types": (acc,)}
        assert design_point("stt28", 0.5, **kw).read_latency_ns < 0.6 * 3.3, acc
    assert design_point("stt28", 1 / 32, **{**CACHE, "access_types": ("fast",)}).area_mm2 > 0.5
    normal = {**CACHE, "access_types": ("normal",)}
    assert area_budget_capacity("stt28", 0.5, **normal) < 1.2 * area_budget_capacity("sram28", 0.5, **normal)


def test_cache_mode_table2(cache_table2, table2):
    # Table II evaluated as the paper states it (Sec. V-B: "cache configuration", read-latency target) with NVSim's
    # sample cache shape (Sequential, 16-way, 512-bit lines), the tag array inside the budget.
    c = cache_table2
    # 48.1 mm^2: SRAM 35840 KB (-12 %, checked +-15 %), MRAM 110592 KB (-16 %, checked +-20 %), ratio 3.09 within the
    # paper's 2.8-3.2x; the tag arrays take 7-9 % of the budget (checked < 12 %)
    assert c[48.1, "sram28"][0] == pytest.approx(PAPER_KB[48.1, "sram28"], rel=0.15)
    assert c[48.1, "stt28"][0] == pytest.approx(PAPER_KB[48.1, "stt28"], rel=0.20)
    assert 2.8 <= c[48.1, "stt28"][0] / c[48.1, "sram28"][0] <= 3.2
    for key, (_, d) in c.items():
        assert d.area_mm2 <= key[0] and d.tag_area_mm2 > 0, key
        if key[0] == 48.1:
            assert d.tag_area_mm2 < 0.12 * d.area_mm2, key
    # latencies: MRAM read at 0.5 mm^2 3.31 ns (paper 3.3, checked +-5 %), write 10.12 ns (paper 10.2, checked 10-11);
    # 48.1 mm^2 reads 10.78 / 15.32 ns (+5 % / +5 %, checked +-15 %), writes 5.01 / 15.96 ns (-5 % / +1 %, checked
    # +-10 %)
    assert c[0.5, "stt28"][1].read_latency_ns == pytest.approx(PAPER_READ_NS[0.5, "stt28"], rel=0.05)
    assert 10.0 < c[0.5, "stt28"][1].write_latency_ns < 11.0
    for key in ((48.1, "sram28"), (48.1, "stt28")):
        d = c[key][1]
        assert d.read_latency_ns == pytest.approx(PAPER_READ_NS[key], rel=0.15), key
        assert d.write_latency_ns == pytest.approx(PAPER_WRITE_NS[key], rel=0.10), key
    # known deviation, SRAM read at 0.5 mm^2: 0.39 ns vs 0.2 (tag + comparator + data in series; nvmsim's single small
    # SRAM read is 0.24-0.26 ns against the ~0.1 ns two of which would make the paper's 0.2): checked below 0.5 ns
    assert c[0.5, "sram28"][1].read_latency_ns < 0.5
    # known deviation, the small budget: the tag arrays take 25 % (SRAM) and 30 % (MRAM) of 0.5 mm^2 (checked: MRAM
    # > 25 %) on top of the small MRAM's flat area landscape (test_small_mram_read_latency_landscape_is_flat), so the
    # MRAM cache holds 208 KB vs 512 (SRAM 136 vs 183 KB) and the capacity ratio is 1.53 (paper 2.8, RAM mode 1.70).
    # Its leakage ratio, 1.84, is within +-10 % of the paper's 1.84, but both leakages are about half the paper's
    # (277 / 151 mW vs 594 / 323; checked >= 0.4x).
    m_small, s_small = c[0.5, "stt28"][1], c[0.5, "sram28"][1]
    assert m_small.tag_area_mm2 > 0.25 * m_small.area_mm2
    assert 1.2 <= c[0.5, "stt28"][0] / c[0.5, "sram28"][0] < 2.8
    assert s_small.leakage_mW / m_small.leakage_mW == pytest.approx(PAPER_LEAK_RATIO[0.5], rel=0.10)
    for cell in ("sram28", "stt28"):
        assert 0.4 * PAPER_LEAK_MW[0.5, cell] <= c[0.5, cell][1].leakage_mW <= PAPER_LEAK_MW[0.5, cell], cell
    # 48.1 mm^2 leakage: SRAM 55.7 W (-13 %, checked +-15 %), MRAM 15.9 W (+9 %, checked +-15 %; RAM mode 14.9 W).
    # Before NVSim's mat shapes the MRAM cache chose 2 x 2 mats of 512 x 1760 subarrays and leaked 10.2 W (-30 %);
    # now 2 x 1 mats of 1024 x 864, more subarrays and so more drivers: its leakage follows the organisation chosen.
    assert c[48.1, "sram28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "sram28"], rel=0.15)
    assert c[48.1, "stt28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "stt28"], rel=0.15)

    # why the iso-area tests above stay in RAM mode: its capacities are closer to Table II (mean |ln error| 0.14 vs
    # 0.37), and so are its leakages (0.29 vs 0.44)
    def err(t, paper, get):
        return float(np.mean([abs(np.log(get(t[k]) / paper[k])) for k in paper]))

    assert err(table2, PAPER_KB, lambda v: v[0]) < err(c, PAPER_KB, lambda v: v[0])
    leak = err(table2, PAPER_LEAK_MW, lambda v: v[1].leakage_mW), err(c, PAPER_LEAK_MW, lambda v: v[1].leakage_mW)
    assert leak[0] < leak[1]


def test_the_papers_runs_used_hp_devices_at_350K():
    # The cause of the 28 nm leakage, checked on the paper's own 48.1 mm^2 SRAM (40592 KB, where the cells'
    # leakage dominates): with NVSim's 28 nm HP devices at 350 K (the shipped configurations' setting) nvmsim is
    # within 15 % of the paper's 64 257 mW (58 550 mW); at 300 K it falls below 65 % of it and with LSTP devices
    # below 1 %, so neither can be what the paper ran.
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
    # (100 mW); NVSim's stock periphery, as the paper's stock NVSim configuration builds it, leaks 2.4x more (237 mW).
    cap = PAPER_KB[0.5, "stt28"] / 1024
    bal = design_point("stt28", cap, buffer_design="balanced", **KW)
    lat = design_point("stt28", cap, buffer_design="latency", **KW)
    assert design_point("stt28", cap, **KW) == lat  # "auto" at 28 nm
    assert bal.leakage_mW < 0.4 * PAPER_LEAK_MW[0.5, "stt28"]
    assert lat.leakage_mW > 1.5 * bal.leakage_mW
