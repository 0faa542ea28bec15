"""The scratchpad paper's Table II (28 nm, iso-area SRAM vs baseline STT-MRAM) from nvmsim's circuit model.

Source: the STT-MRAM scratchpad paper for DNN training (Sec. V-B and Table II): in 0.5 mm^2 SRAM holds 183 KB
and MRAM 512 KB, in 48.1 mm^2 40592 KB and 131072 KB; "MRAM improves the iso-area capacity by 2.8-3.2x while
reducing the leakage power by a factor of 1.9-4.4" (SRAM 594 / 64257 mW, MRAM 323 / 14573 mW); read latency
0.2 / 3.3 ns and 10.3 / 14.6 ns, write latency 0.1 / 10.2 ns and 5.3 / 15.8 ns (SRAM / MRAM, 0.5 / 48.1 mm^2).
The paper chose NVSim's read-latency-optimal designs and says of its runs (Sec. V-B): "After experimenting various
optimization targets, we select *cache* configuration with *Read Latency* as the optimization target".  Both are
evaluated here with the shipped ``sram28`` / ``stt28`` cells.  The cache configuration is NVSim's shipped sample cache
(sample_STTRAM_cache.cfg: Sequential access, 16 ways, 512-bit lines), its tag array included in the area budget; the
RAM mode (a scratchpad has no tag array) is the one the iso-area tests below pin.  Since nvmsim builds NVSim's subarray
periphery block by block (``nvsim_periphery``) neither mode is uniformly closer to the paper: mean |ln error| of the
four capacities 0.26 (RAM) vs 0.10 (Sequential cache), of the four leakages 0.09 vs 0.23, of the eight latencies
0.18 vs 0.08 (the cache's 3.3 ns MRAM read is its clearest gain); test_cache_mode_table2 and
test_only_sequential_cache_mode_reads_mram_in_3_3ns document the cache modes.  Where the paper and NVSim itself (run
here with the same cells and settings, see tests/test_circuit_nvsim_stock.py) differ, the tests follow NVSim and say so:
NVSim fits a 256 KB SRAM in 0.490 mm^2 and gives its 128 MB MRAM 44.1 mm^2, not 48.1 (its reports are in
tests/data/nvsim_28nm/, compared with nvmsim in tests/test_circuit_vs_nvsim.py).  Capacities are the largest that
fit: the read-latency optimum's area is not monotonic in capacity (``area_budget_capacity``).  The paper
ran stock NVSim (Sec. IV); nvmsim's default ``buffer_design="auto"`` builds NVSim's stock periphery at 28 nm
(``models.circuit.calibration.nvsim_stock``: latency-first drivers sized by NVSim's stage rule, the passive unrepeated
H-tree, column-select decoders, NVSim's mats of 1 x 1 to 2 x 2 subarrays and tag-array organisation; NVSim's 32 nm
wire tables and its I-V converter step value at 28 nm; NVSim's subarray and mat periphery block by block and its
organisation space).  Tolerances and the known deviations are stated at each test.
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
    # 48.1 mm^2: MRAM within +-6 % (nvmsim 135168 KB, +3.1 %), SRAM within +-20 % (47104 KB, +16 %: NVSim's own 32 MB
    # SRAM, 34.1 mm^2, is matched within 0.3 % by nvmsim, test_free_search_finds_nvsims_designs, so the paper's 40592 KB
    # is not what NVSim's rules give with this cell); the ratio between the low end of the paper's "2.8-3.2x" and its
    # Table II's own ratio, 131072 / 40592 = 3.23 (nvmsim 2.87x)
    assert table2[48.1, "stt28"][0] == pytest.approx(PAPER_KB[48.1, "stt28"], rel=0.06)
    assert table2[48.1, "sram28"][0] == pytest.approx(PAPER_KB[48.1, "sram28"], rel=0.20)
    big = table2[48.1, "stt28"][0] / table2[48.1, "sram28"][0]
    assert 2.8 <= big <= PAPER_KB[48.1, "stt28"] / PAPER_KB[48.1, "sram28"]
    for budget in (0.5, 48.1):
        assert table2[budget, "sram28"][1].area_mm2 <= budget and table2[budget, "stt28"][1].area_mm2 <= budget


def test_capacities_in_the_small_budget(table2):
    # 0.5 mm^2, MRAM: the largest read-latency-optimal design that fits holds 864 KB (0.467 mm^2, 8 x 64 mats of
    # 256 x 27 subarrays), above the paper's 512 KB, whose own design takes 0.577 mm^2 (NVSim's: 0.590, checked within
    # +-5 %): the optimum's area is not monotonic in capacity, in NVSim too (256 KB 0.222 mm^2, 512 KB 0.590).  Checked:
    # above 512 KB and at most 1024 KB, and the 512 KB design outside the budget.  Known deviation from the paper, not
    # from NVSim: the SRAM holds 256 KB (+40 % vs 183 KB), in NVSim's own 256 KB organisation, which NVSim lays out in
    # 0.490 mm^2 with this cell (tests/test_circuit_nvsim_stock.py); checked at >= 256 KB and < 1.5x the paper.  The
    # small ratio is 3.38x, 5 % above the paper's "2.8-3.2x" (checked within 10 % of the range); unlike the paper's
    # (2.8 small, 3.2 large) it is larger than the large budget's 2.87x.
    assert 256 <= table2[0.5, "sram28"][0] < 1.5 * PAPER_KB[0.5, "sram28"]
    assert PAPER_KB[0.5, "stt28"] < table2[0.5, "stt28"][0] <= 1024
    assert design_point("stt28", 0.5, **KW).area_mm2 == pytest.approx(0.590, rel=0.05)
    small = table2[0.5, "stt28"][0] / table2[0.5, "sram28"][0]
    assert 2.8 / 1.1 <= small <= 3.2 * 1.1


def test_small_mram_read_latency_landscape_is_flat():
    # Why the small MRAM's capacity is sensitive: its read latency is the I-V converter's (NVSim: 1.45 ns at 28 nm) plus
    # ~0.2 ns of everything else, so organisations of very different area read almost equally fast.  At 512 KB the
    # fastest design takes 0.577 mm^2 (NVSim's: 0.590) and the fastest one within the paper's 0.5 mm^2 reads only a
    # few per cent slower (checked: within 3 %).
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
    # budgets end at 187 mm^2 (about 4 x 48.1): the paper's budgets look like the areas of its NVSim MRAM arrays at
    # 512 KB, 128 MB and 512 MB.  NVSim itself with this cell (run with the settings of
    # tests/test_circuit_nvsim_stock.py) gives the 128 MB MRAM 44.098 mm^2, 8 % under 48.1; nvmsim 44.10 mm^2
    # (checked within 2 % of NVSim, and below 48.1).  512 MB: 174 mm^2 (-7 % vs 187, checked within +-10 %).
    d = design_point("stt28", 128, **KW)
    assert d.area_mm2 == pytest.approx(44.098, rel=0.02) and d.area_mm2 < 48.1
    assert design_point("stt28", 512, **KW).area_mm2 == pytest.approx(187, rel=0.10)


def test_leakage(table2):
    # 48.1 mm^2: SRAM within +-15 % (nvmsim 69.7 W, +8 %), MRAM within +-10 % (13.7 W, -6 %; most of it the
    # latency-first wordline and column-select drivers of every subarray), ratio within +-20 % of 4.41x (5.07x).
    # 0.5 mm^2: SRAM within +-10 % (572 mW at 256 KB, -4 %; NVSim's own 256 KB SRAM: 595 mW).  The 512 KB MRAM leaks
    # 274 mW (NVSim's own 512 KB design 230.5 mW, nvmsim's on it 218 mW, tests/test_circuit_nvsim_stock.py; the paper
    # 323 mW), checked within +-20 % of NVSim's; the budget's 864 KB leaks 269 mW (-17 %, checked +-20 %), so the small
    # leakage ratio is 2.12x (paper 1.84x; inside its "1.9-4.4"), smaller than the large budget's, as in the paper.
    ratios = {}
    for budget in (0.5, 48.1):
        ds, dm = table2[budget, "sram28"][1], table2[budget, "stt28"][1]
        ratios[budget] = ds.leakage_mW / dm.leakage_mW
    assert table2[48.1, "sram28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "sram28"], rel=0.15)
    assert table2[48.1, "stt28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "stt28"], rel=0.10)
    assert ratios[48.1] == pytest.approx(PAPER_LEAK_RATIO[48.1], rel=0.20)
    assert table2[0.5, "sram28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[0.5, "sram28"], rel=0.10)
    assert design_point("stt28", 0.5, **KW).leakage_mW == pytest.approx(230.5, rel=0.20)
    assert table2[0.5, "stt28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[0.5, "stt28"], rel=0.20)
    assert 1.9 <= ratios[0.5] <= 4.4
    assert ratios[48.1] > ratios[0.5] > 1.0


def test_latencies(table2):
    # 48.1 mm^2: MRAM within +-10 % (nvmsim 13.36 / 16.20 ns, -8.5 % / +2.5 %), SRAM within +-20 % (11.93 / 6.22 ns,
    # +16 % / +17 %, at its 16 % larger capacity; at the paper's 40592 KB 9.68 / 5.08 ns, -6 % / -4 %, checked within
    # +-10 %): the H-tree's wires dominate, as NVSim's passive wire model makes them.  0.5 mm^2: MRAM writes take the
    # 10 ns pulse plus periphery (10.13 ns vs 10.2, checked 10-11 ns); SRAM reads and writes are fast (0.151 / 0.098 ns
    # vs 0.2 / 0.1; NVSim's own 256 KB SRAM 0.153 / 0.100 ns; checked below 0.35 ns, write faster than read).  The
    # small MRAM's read (1.67 ns vs 3.3) is the deviation that test_mram_read_latency_points_to_sequential_cache_runs
    # explains.
    for key, rel in (((48.1, "sram28"), 0.20), ((48.1, "stt28"), 0.10)):
        d = table2[key][1]
        assert d.read_latency_ns == pytest.approx(PAPER_READ_NS[key], rel=rel), key
        assert d.write_latency_ns == pytest.approx(PAPER_WRITE_NS[key], rel=rel), key
    paper_cap = design_point("sram28", PAPER_KB[48.1, "sram28"] / 1024, **KW)
    assert paper_cap.read_latency_ns == pytest.approx(PAPER_READ_NS[48.1, "sram28"], rel=0.10)
    assert paper_cap.write_latency_ns == pytest.approx(PAPER_WRITE_NS[48.1, "sram28"], rel=0.10)
    m_small, s_small = table2[0.5, "stt28"][1], table2[0.5, "sram28"][1]
    assert 10.0 < m_small.write_latency_ns < 11.0
    assert s_small.write_latency_ns < s_small.read_latency_ns < 0.35
    assert s_small.read_latency_ns < m_small.read_latency_ns


def test_passive_htree_is_what_stock_nvsim_builds():
    # NVSim's unrepeated H-tree (Wire.cpp, RepeatedNone) is a passive wire, 2.3 R C / 2 per segment with no node
    # buffers.  With it, nvmsim's read latencies land within +-25 % of Table II at the paper's large capacities (SRAM
    # 40592 KB 9.68 ns vs 10.3, MRAM 128 MB 12.83 vs 14.6) and of NVSim's own 256 KB SRAM (0.151 vs 0.153 ns; the
    # paper's 183 KB is not a capacity NVSim accepts); with a buffer at every node (the model fitted to DeepNVM++ at
    # 16 nm) they are off by half or more (4.26, 6.47, 0.53 ns), and the buffered tree's cheap long wires let the
    # 128 MB MRAM spread out to 46.8 mm^2 (passive: 44.1, NVSim's own 44.098).
    stock = nvsim_stock()
    buffered = dataclasses.replace(stock, htree_node_buffers=True)
    tech = tech_node(28)
    for cell, kb, ref in (("sram28", 40592, PAPER_READ_NS[48.1, "sram28"]),
                          ("stt28", 131072, PAPER_READ_NS[48.1, "stt28"]), ("sram28", 256, 0.153)):
        c = load_cell(cell)
        passive = design(c, tech, kb * 1024, mode="ram", targets="read_latency", cal=stock)
        buf = design(c, tech, kb * 1024, mode="ram", targets="read_latency", cal=buffered)
        assert passive.read_latency_ns == pytest.approx(ref, rel=0.25), cell
        assert abs(buf.read_latency_ns / ref - 1) > 0.45, cell
    c = load_cell("stt28")
    passive = design(c, tech, 2**27, mode="ram", targets="read_latency", cal=stock).area_mm2
    assert design(c, tech, 2**27, mode="ram", targets="read_latency", cal=buffered).area_mm2 > 1.05 * passive
    assert passive == pytest.approx(44.098, rel=0.02)


def test_mram_read_latency_points_to_sequential_cache_runs():
    # A single current-sensed MRAM read at 512 KB takes ~1.7 ns in NVSim's structure (its 1.45 ns I-V converter + the
    # rest); Table II's 3.3 ns is two of them in a row, the tag then the data of a Sequential-access cache.  nvmsim in
    # that mode at the paper's 512 KB: 3.42 ns (within +-10 %); the RAM mode reads in 1.74 ns.
    assert design_point("stt28", 0.5, **CACHE).read_latency_ns == pytest.approx(3.3, rel=0.10)
    assert design_point("stt28", 0.5, **KW).read_latency_ns < 0.6 * 3.3


def test_only_sequential_cache_mode_reads_mram_in_3_3ns():
    # Of NVSim's three access types only Sequential (tag, then the hit way) puts two current-sensed reads in series.
    # Normal and Fast read tag and data in parallel: ~1.7 ns at 512 KB (checked below 0.6 x 3.3 ns).  With the whole
    # set read out (Fast) even the smallest MRAM cache (32 KB: 0.56 mm^2) does not fit 0.5 mm^2; a Normal one holds
    # 464 KB against the SRAM's 200 KB (2.3x; Sequential 2.1x, the paper 2.8x).
    for acc in ("normal", "fast"):
        kw = {**CACHE, "access_types": (acc,)}
        assert design_point("stt28", 0.5, **kw).read_latency_ns < 0.6 * 3.3, acc
    assert design_point("stt28", 1 / 32, **{**CACHE, "access_types": ("fast",)}).area_mm2 > 0.5


def test_cache_mode_table2(cache_table2, table2):
    # Table II evaluated as the paper states it (Sec. V-B: "cache configuration", read-latency target) with NVSim's
    # sample cache shape (Sequential, 16-way, 512-bit lines), the tag array inside the budget.
    c = cache_table2
    # 48.1 mm^2: SRAM 44032 KB (+8.5 %, checked +-15 %), MRAM 133120 KB (+1.6 %, checked +-20 %), ratio 3.02 within the
    # paper's 2.8-3.2x; the tag arrays take 6-7 % of the budget (checked < 12 %)
    assert c[48.1, "sram28"][0] == pytest.approx(PAPER_KB[48.1, "sram28"], rel=0.15)
    assert c[48.1, "stt28"][0] == pytest.approx(PAPER_KB[48.1, "stt28"], rel=0.20)
    assert 2.8 <= c[48.1, "stt28"][0] / c[48.1, "sram28"][0] <= 3.2
    for key, (_, d) in c.items():
        assert d.area_mm2 <= key[0] and d.tag_area_mm2 > 0, key
        if key[0] == 48.1:
            assert d.tag_area_mm2 < 0.12 * d.area_mm2, key
    # latencies: MRAM read at 0.5 mm^2 3.25 ns (paper 3.3, checked +-5 %), write 10.12 ns (paper 10.2, checked 10-11);
    # 48.1 mm^2 reads 11.66 / 15.65 ns (+13 % / +7 %, checked +-15 %), writes 5.65 / 16.06 ns (+7 % / +2 %, checked
    # +-10 %)
    assert c[0.5, "stt28"][1].read_latency_ns == pytest.approx(PAPER_READ_NS[0.5, "stt28"], rel=0.05)
    assert 10.0 < c[0.5, "stt28"][1].write_latency_ns < 11.0
    for key in ((48.1, "sram28"), (48.1, "stt28")):
        d = c[key][1]
        assert d.read_latency_ns == pytest.approx(PAPER_READ_NS[key], rel=0.15), key
        assert d.write_latency_ns == pytest.approx(PAPER_WRITE_NS[key], rel=0.10), key
    # known deviation, SRAM read at 0.5 mm^2: 0.26 ns vs 0.2 (tag + comparator + data in series): checked below 0.5 ns
    assert c[0.5, "sram28"][1].read_latency_ns < 0.5
    # the small budget: the tag arrays take 24 % (SRAM) and 19 % (MRAM) of 0.5 mm^2 (checked: MRAM > 15 %), so the
    # MRAM cache holds 432 KB vs 512 (SRAM 208 vs 183 KB) and the capacity ratio is 2.08 (paper 2.8, RAM mode 3.38).
    # Leakages 511 / 173 mW vs 594 / 323 (checked >= 0.4x); their ratio 2.96 is above the paper's 1.84 (the small
    # MRAM's periphery leaks less than the paper's, as in RAM mode, test_leakage).
    m_small, s_small = c[0.5, "stt28"][1], c[0.5, "sram28"][1]
    assert m_small.tag_area_mm2 > 0.15 * m_small.area_mm2
    assert 1.2 <= c[0.5, "stt28"][0] / c[0.5, "sram28"][0] < 2.8
    assert s_small.leakage_mW / m_small.leakage_mW > PAPER_LEAK_RATIO[0.5]
    for cell in ("sram28", "stt28"):
        assert 0.4 * PAPER_LEAK_MW[0.5, cell] <= c[0.5, cell][1].leakage_mW <= PAPER_LEAK_MW[0.5, cell], cell
    # 48.1 mm^2 leakage: SRAM 69.8 W (+9 %, checked +-15 %), MRAM 15.3 W (+5 %, checked +-15 %; RAM mode 13.7 W).
    assert c[48.1, "sram28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "sram28"], rel=0.15)
    assert c[48.1, "stt28"][1].leakage_mW == pytest.approx(PAPER_LEAK_MW[48.1, "stt28"], rel=0.15)

    # RAM vs cache mode against the paper: the cache mode's capacities are now closer (mean |ln error| 0.10 vs 0.26
    # in RAM mode, mostly the small budget: 208 / 432 KB against 256 / 864 and the paper's 183 / 512), the RAM
    # mode's leakages (0.09 vs 0.23)
    def err(t, paper, get):
        return float(np.mean([abs(np.log(get(t[k]) / paper[k])) for k in paper]))

    assert err(c, PAPER_KB, lambda v: v[0]) < err(table2, PAPER_KB, lambda v: v[0])
    leak = err(table2, PAPER_LEAK_MW, lambda v: v[1].leakage_mW), err(c, PAPER_LEAK_MW, lambda v: v[1].leakage_mW)
    assert leak[0] < leak[1]


def test_the_papers_runs_used_hp_devices_at_350K():
    # The cause of the 28 nm leakage, checked on the paper's own 48.1 mm^2 SRAM (40592 KB, where the cells'
    # leakage dominates): with NVSim's 28 nm HP devices at 350 K (the shipped configurations' setting) nvmsim is
    # within 15 % of the paper's 64 257 mW (61 309 mW); at 300 K it falls below 65 % of it and with LSTP devices
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
    # (100 mW); NVSim's stock periphery, as the paper's stock NVSim configuration builds it, leaks 2.7x more (274 mW).
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
