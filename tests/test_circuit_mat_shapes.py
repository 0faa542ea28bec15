"""NVSim's mat organisation in the stock model: mats of 1 x 1, 1 x 2, 2 x 1 or 2 x 2 subarrays.

Oracle: NVSim's source (github:SEAL-UCSB/NVSim).  macros.h BIGFOR enumerates numRowSubarray and numColumnSubarray
from 1 to 2 (RESTORE_SEARCH_SIZE and REDUCE_SEARCH_SIZE alike) and the active subarrays per row / column up to them;
Mat.cpp tiles ``numRowSubarray x numColumnSubarray`` subarrays, each a whole SubArray (row decoder, bitline-mux
decoder, precharger, sense amplifiers, muxes), gives every mat its own predecoder blocks at its centre, adds their
area as a strip on the mat's longer side (Mat::CalculateArea: ``width += sqrt(area)`` if width > height, else the
height) and sums ``subarray.leakage x numRowSubarray x numColumnSubarray`` plus the predecoders' leakage
(Mat::CalculatePower).  nvmsim's fitted 16 nm model keeps its 2 x 2 mats.
"""

import dataclasses

import numpy as np
import pytest

from models import design_point
from models.cells import load_cell
from models.circuit.array import evaluate, organisations
from models.circuit.calibration import DEFAULT, nvsim_stock
from models.circuit.search import cache_specs, design
from models.technology import tech_node

NVSIM_SHAPES = {(1, 1, 1), (1, 2, 1), (1, 2, 2), (2, 1, 1), (2, 1, 2), (2, 2, 1), (2, 2, 2), (2, 2, 4)}


@pytest.fixture(scope="module")
def sram_case():
    spec, _ = cache_specs(183 * 1024, 16, 128, "ram", DEFAULT)
    return spec, organisations(spec, mat_shapes=True)


def _key(org, i):
    return tuple(int(org[k][i]) for k in ("mat_rows", "mat_cols", "active_mats", "sub_active", "rows", "cols"))


def test_organisations_enumerate_nvsims_mat_shapes(sram_case):
    spec, org = sram_case
    shapes = set(zip(*(org[k].astype(int).tolist() for k in ("sub_rows", "sub_cols", "sub_active")), strict=True))
    assert shapes == NVSIM_SHAPES  # NVSim's (numRowSubarray, numColumnSubarray, active subarrays), none other
    stored = org["mat_rows"] * org["mat_cols"] * org["sub_rows"] * org["sub_cols"] * org["rows"] * org["cols"]
    assert np.all(stored >= spec.capacity_bits) and np.all(stored <= 1.05 * spec.capacity_bits)
    # without the flag every mat is 2 x 2, and those are exactly the 2 x 2 organisations of the full space
    fixed = organisations(spec)
    assert set(fixed["sub_rows"]) == set(fixed["sub_cols"]) == {2.0}
    two = (org["sub_rows"] == 2) & (org["sub_cols"] == 2)
    assert sorted(_key(fixed, i) for i in range(fixed["rows"].size)) == sorted(
        _key(org, i) for i in np.flatnonzero(two))


def test_mat_area_follows_nvsims_mat(sram_case):
    # Mat::CalculateArea: subarrays tiled, the predecoder block's sqrt(area) added to the longer side; the stock
    # model's passive H-tree takes no area, so the bank is mats x mat area
    spec, org = sram_case
    tech, cal = tech_node(28), nvsim_stock()
    res = evaluate(load_cell("sram28"), tech, spec, org, cal)
    w, h = org["sub_cols"] * res["part_w_sub"], org["sub_rows"] * res["part_h_sub"]
    pre = np.sqrt(res["part_a_pre"])  # the mat's NVSim predecoder blocks
    w_mat, h_mat = np.where(w > h, w + pre, w), np.where(w > h, h, h + pre)
    assert {True, False} <= set((w > h).tolist())  # both branches of the rule are exercised
    assert np.allclose(res["width_m"], org["mat_cols"] * w_mat, rtol=1e-12)
    assert np.allclose(res["height_m"], org["mat_rows"] * h_mat, rtol=1e-12)
    assert np.allclose(res["area_m2"], org["mat_rows"] * org["mat_cols"] * w_mat * h_mat, rtol=1e-12)
    # the fitted model's 2 x 2 mats keep their predecoder beside the subarrays (its buffered H-tree adds area)
    fixed = organisations(spec)
    res = evaluate(load_cell("sram28"), tech, spec, fixed, DEFAULT)
    w_mat = 2 * res["part_w_sub"] + np.sqrt(DEFAULT.predecoder_area_F2) * tech.F_m
    mats = fixed["mat_rows"] * fixed["mat_cols"] * w_mat * 2 * res["part_h_sub"]
    assert np.allclose(res["area_m2"], mats + res["part_a_tree"], rtol=1e-12)


def test_one_subarray_mats_pay_a_predecoder_each(sram_case):
    # The same 256 subarrays of 64 x 92 cells, in 16 x 16 mats of one subarray or 8 x 8 mats of 2 x 2: every subarray's
    # own periphery (rows, sense amps, write drivers) leaks alike; the 1 x 1 mats carry four times the predecoders
    # (each a little smaller: its wires span a smaller mat), so they leak more and take more area (a predecoder strip
    # per subarray instead of per two)
    spec, _ = sram_case
    org = {k: np.array(v, dtype=float) for k, v in dict(
        mat_rows=[16, 8], mat_cols=[16, 8], active_mats=[16, 4], sub_rows=[1, 2], sub_cols=[1, 2],
        sub_active=[1, 4], rows=[64, 64], cols=[92, 92], mux=[92 * 16 / 1024] * 2).items()}
    res = evaluate(load_cell("sram28"), tech_node(28), spec, org, nvsim_stock())
    for part in ("part_leak_rows", "part_leak_sa", "part_leak_wd", "part_leak_cols", "part_leak_cells"):
        assert res[part][0] == pytest.approx(res[part][1], rel=1e-12), part
    assert 1.5 * res["part_leak_mats"][1] < res["part_leak_mats"][0] < 4.0 * res["part_leak_mats"][1]  # 1.7x
    assert res["leakage_W"][0] > res["leakage_W"][1] and res["area_m2"][0] > 1.05 * res["area_m2"][1]


def test_only_the_stock_model_searches_mat_shapes():
    assert nvsim_stock().nvsim_mat_shapes and not DEFAULT.nvsim_mat_shapes
    # the DeepNVM++-fitted 16 nm designs stay in 2 x 2 mats; the 28 nm stock search leaves them where it reads faster
    # (the paper's 40592 KB SRAM: 2 x 1 mats, 9.68 ns; the best 2 x 2 design reads in 9.76 ns)
    for cell in ("sram", "stt", "sot"):
        assert "mat 2x2" in design_point(cell, 3, 16).organization
    big = design_point("sram28", 40592 / 1024, 28, mode="ram", targets="read_latency")
    assert "data: bank 16x64 mats (8 active), mat 2x1 (2 active)" in big.organization
    only_2x2 = design(load_cell("sram28"), tech_node(28), 40592 * 1024, mode="ram", targets="read_latency",
                      cal=dataclasses.replace(nvsim_stock(), nvsim_mat_shapes=False))
    assert "mat 2x2" in only_2x2.organization and big.read_latency_ns < only_2x2.read_latency_ns
