"""NVSim's stock periphery in nvmsim's array model, each piece against NVSim's own rule (NVSim source, Dong et al.,
TCAD 2012): the latency-first OutputDriver's stage rule, the passive unrepeated H-tree (Wire.cpp, RepeatedNone: 2.3
R C / 2, no buffers), the column-select decoder of every subarray (SubArray.cpp's bitline-mux decoder), NVSim's wire
tables at 28 nm (Wire::Initialize takes the 32 nm table for 23-32 nm), the cache tag array's organisation rules
(main.cpp, BankWithHtree.cpp, macros.h REDUCE_SEARCH_SIZE) and the DeepNVM++ 16 nm calibration left untouched by all of
them."""

import dataclasses

import numpy as np
import pytest

from models import design_point
from models.cells import load_cell
from models.circuit.array import _nvsim_latency_driver, evaluate, organisations
from models.circuit.calibration import DEFAULT, nvsim_stock
from models.circuit.search import cache_specs
from models.technology import tech_node


@pytest.fixture(scope="module")
def mram_orgs():
    spec, _ = cache_specs(512 * 1024, 16, 128, "ram", DEFAULT)
    org = organisations(spec, max_rows=1024)
    return spec, org


def test_stock_periphery_is_a_separate_calibration():
    stock = nvsim_stock()
    assert (stock.buffer_design, stock.htree_node_buffers, stock.column_select_drivers) == ("latency", False, True)
    # the fitted DeepNVM++ model keeps its own periphery
    assert (DEFAULT.buffer_design, DEFAULT.htree_node_buffers, DEFAULT.column_select_drivers) == (
        "balanced", True, False)
    # "auto" picks the stock periphery at 28 nm and the fitted one at 16 nm (identical to passing DEFAULT)
    assert design_point("stt", 1, 16) == design_point("stt", 1, 16, buffer_design="balanced")
    assert design_point("stt28", 0.25, 28, mode="ram") == design_point("stt28", 0.25, 28, mode="ram",
                                                                       buffer_design="latency")
    assert nvsim_stock().nvsim_tag_rules and not DEFAULT.nvsim_tag_rules


def test_tag_array_follows_nvsims_organisation_rules():
    # NVSim's tag array (a 512 KB, 16-way cache of 64 B lines, its sample STT-RAM cache configuration's shape):
    # 512 sets, so the tag is 48 - 9 index - 6 offset + 2 status = 35 bits (main.cpp).  BankWithHtree distributes the
    # 16 ways over the active mats and rejects a mat without a whole way, so at most 16 mats are active; main.cpp pads
    # the broadcast tag up to a multiple of (active mats x active subarrays), so the array stores 8192 lines x that
    # padded width; REDUCE_SEARCH_SIZE allows at most 64 x 64 mats and column muxes of at most 64.
    stock = nvsim_stock()
    _, tag = cache_specs(512 * 1024, 16, 64, "sequential", stock)
    assert (tag.tag_bits, tag.nvsim_tag, tag.capacity_bits) == (35, True, 8192 * 35)
    org = organisations(tag)
    n_active = org["active_mats"] * org["sub_active"]
    assert org["active_mats"].max() == 16 and org["mat_rows"].max() <= 64 and org["mat_cols"].max() <= 64
    assert org["mux"].max() <= 64
    padded = np.ceil(35 / n_active) * n_active  # e.g. 64 active subarrays: 64-bit tags, 4 active: 36 bits
    assert np.array_equal(org["capacity_bits"], 8192 * padded)
    assert np.array_equal(org["sensed_bits"], 16 * padded)
    assert {36.0, 40.0, 64.0} <= set(padded.tolist())
    # the columns hold the padded tags of the ways in each active subarray's row
    assert np.all(org["cols"] * n_active >= 16 * padded)
    # the stored bits count in the cell area; the DeepNVM++-fitted model keeps its free tag organisation
    res = evaluate(load_cell("stt28"), tech_node(28), tag, org, stock)
    a_cell = load_cell("stt28").area_um2 * 1e-12
    assert np.allclose(res["part_a_cells"], 8192 * padded * a_cell)
    _, free = cache_specs(512 * 1024, 16, 64, "sequential", DEFAULT)
    assert not free.nvsim_tag and "capacity_bits" not in organisations(free)
    assert organisations(free)["active_mats"].max() > 16


def test_passive_htree_matches_nvsims_wire_formula(mram_orgs):
    # NVSim (Wire::CalculateLatencyAndPower, RepeatedNone): delay 2.3 r c L^2 / 2 per segment, no leakage; the
    # bank's H-tree levels halve from the bank edge down to one mat (segments w_mat 2^(k-1) horizontally and
    # h_mat 2^(k-2) vertically).  No node buffers means no leakage and no area either.
    spec, org = mram_orgs
    tech, cell, cal = tech_node(28), load_cell("stt28"), nvsim_stock()
    res = evaluate(cell, tech, spec, org, cal)
    r, c = tech.wire("global")
    # 2 x 2 mats (organisations() without mat_shapes), the predecoder block on the longer side (Mat::CalculateArea)
    w_mat, h_mat = 2.0 * res["part_w_sub"], 2.0 * res["part_h_sub"]
    pre = np.sqrt(cal.predecoder_area_F2) * tech.F_m
    w_mat, h_mat = np.where(w_mat > h_mat, w_mat + pre, w_mat), np.where(w_mat > h_mat, h_mat, h_mat + pre)
    expect = np.zeros_like(w_mat)
    for k in range(1, 9):
        for seg0, n in ((w_mat, org["mat_cols"]), (h_mat / 2.0, org["mat_rows"])):
            seg = seg0 * 2 ** (k - 1)
            expect += np.where(n >= 2 ** k, 2.3 * r * c * seg ** 2 / 2.0, 0.0)
    assert np.allclose(res["htree_latency_s"], expect, rtol=1e-9, atol=0)
    assert np.all(res["part_leak_tree"] == 0) and np.all(res["part_a_tree"] == 0)
    # the buffered tree of the fitted model leaks and takes area
    buffered = evaluate(cell, tech, spec, org, dataclasses.replace(cal, htree_node_buffers=True))
    many = (org["mat_rows"] * org["mat_cols"]) >= 4
    assert np.all(buffered["part_leak_tree"][many] > 0) and np.all(buffered["part_a_tree"][many] > 0)


def test_column_select_decoder_leaks_like_nvsims_bitline_mux_decoder(mram_orgs):
    # NVSim's SubArray has a bitline-mux decoder of muxSenseAmp select lines, each a NAND2 + latency-first driver
    # into a wordline-long line loading every column's minimum select device (RowDecoder with the mux load).
    # Oracle: the leakage it adds is subarrays x select lines x (driver + NAND2), and none without a mux.
    spec, org = mram_orgs
    tech, cell = tech_node(28), load_cell("stt28")
    on = nvsim_stock()
    off = dataclasses.replace(on, column_select_drivers=False)
    a, b = evaluate(cell, tech, spec, org, on), evaluate(cell, tech, spec, org, off)
    F = tech.F_m
    a_cell = cell.area_F2 * (cell.node_nm * 1e-9) ** 2
    l_wl = org["cols"] * np.sqrt(a_cell / cell.aspect_ratio)
    r_loc, c_loc = tech.wire("local")
    c_sel = c_loc * l_wl + org["cols"] * tech.c_gate(1.5 * F)
    _, _, leak_sel, _ = _nvsim_latency_driver(tech, c_sel, r_loc * l_wl, max_nmos_m=on.max_nmos_F * F)
    leak_nand = 0.48 * 2.0 * tech.i_off(tech.w_min_m * tech.pn_ratio) * tech.vdd_V
    nsub = org["mat_rows"] * org["mat_cols"] * 4
    n_sel = np.where(org["mux"] > 1, np.ceil(org["mux"] - 1e-9), 0.0)
    assert np.allclose(a["leakage_W"] - b["leakage_W"], nsub * n_sel * (leak_sel + leak_nand), rtol=1e-9)
    # decoded in parallel with the rows: reads are never faster, areas are unchanged
    assert np.all(a["read_latency_s"] >= b["read_latency_s"]) and np.array_equal(a["area_m2"], b["area_m2"])
    assert (org["mux"] <= 1).any() and np.array_equal(a["leakage_W"][org["mux"] <= 1],
                                                      b["leakage_W"][org["mux"] <= 1])


def test_28nm_wires_are_nvsims_32nm_table():
    # NVSim's Wire::Initialize picks its table by "feature size <= 32 nm", so a 28 nm run uses the 32 nm wires;
    # the devices are interpolated between 22 and 32 nm (main.cpp's InterpolateWith, alpha 0.6 towards 32 nm).
    t22, t28, t32 = tech_node(22), tech_node(28), tech_node(32)
    for kind in ("local", "semi", "global"):
        assert t28.wire(kind) == t32.wire(kind)
    assert t28.ion_n_uA_per_um == pytest.approx(0.4 * t22.ion_n_uA_per_um + 0.6 * t32.ion_n_uA_per_um)
    assert t28.ioff_uA_per_um == pytest.approx(t22.ioff_uA_per_um ** 0.4 * t32.ioff_uA_per_um ** 0.6)


def test_latency_first_driver_follows_nvsims_stage_rule():
    # NVSim OutputDriver::Initialize (latency_first) behind a row decoder's NAND2: path effort F = LE C_load / C_nand
    # with LE = (2 + pn) / (1 + pn); N = round(log4 F) - 1 inverters, made odd; effort f = F^(1/(N+1)) per stage;
    # last NMOS = (C_load / f) / C_gate per metre / (1 + pn), at most MaxNmosSize, then f = (LE C_last / C_nand)^(1/N)
    # and earlier stages W / f (at least 1.5 F); leakage = sum of PMOS widths x I_off x Vdd.
    tech = tech_node(28)
    pn, wmin, cg = tech.pn_ratio, tech.w_min_m, tech.c_gate(1.0)
    le = (2 + pn) / (1 + pn)
    c_nand = tech.c_gate((2 + pn) * wmin)
    # F = 4^3.7: round(3.7) - 1 = 3 inverters (odd), f = F^(1/4); the last NMOS (~67 F) is below the cap
    c_load = 4 ** 3.7 * c_nand / le
    f = (4 ** 3.7) ** 0.25
    w_last = c_load / f / cg / (1 + pn)
    assert wmin < w_last < 100 * tech.F_m
    widths = [w_last, w_last / f, w_last / f ** 2]
    _, _, leak, width = _nvsim_latency_driver(tech, c_load, 0.0, max_nmos_m=100 * tech.F_m)
    assert float(width) == pytest.approx(sum(widths) * (1 + pn), rel=1e-9)
    assert float(leak) == pytest.approx(pn * sum(widths) * tech.i_off(1.0) * tech.vdd_V, rel=1e-9)
    # F = 4^3: round(3) - 1 = 2 is even, so 3 inverters and f = F^(1/4)
    c_load = 64 * c_nand / le
    f = 64 ** 0.25
    w3 = [max(wmin, c_load / f / cg / (1 + pn) / f ** i) for i in range(3)]
    _, _, _, width = _nvsim_latency_driver(tech, c_load, 0.0, max_nmos_m=100 * tech.F_m)
    assert float(width) == pytest.approx(sum(w3) * (1 + pn), rel=1e-9)
    # a 1 pF load: the last stage stops at 100 F and the effort is recomputed over the N stages before it
    c_load = 1e-12
    n = max(0, int(np.log(le * c_load / c_nand) / np.log(4) + 0.5) - 1)
    n = n + 1 if n % 2 == 0 else n
    wmax = 100 * tech.F_m
    f = (le * cg * (1 + pn) * wmax / c_nand) ** (1 / n)
    wc = [max(wmin, wmax / f ** i) for i in range(n)]
    _, _, _, width = _nvsim_latency_driver(tech, c_load, 0.0, max_nmos_m=wmax)
    assert float(width) == pytest.approx(sum(wc) * (1 + pn), rel=1e-9)
