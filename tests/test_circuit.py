"""Circuit primitives and the array model against analytic formulas and NVSim's published device numbers."""

import dataclasses
import math

import numpy as np
import pytest

from models.cells import load_cell
from models.circuit.array import ArraySpec, _chain_effort, evaluate, organisations
from models.circuit.gates import driver_chain, horowitz, wire_delay
from models.circuit.search import cache_specs
from models.errors import ConfigError
from models.technology import tech_node


def test_horowitz_step_and_ramp():
    # Horowitz (1983): a step input gives t = ln(1/vs) tau; a slow ramp adds sqrt(2 alpha beta (1 - vs)).
    assert horowitz(1e-12) == pytest.approx(math.log(2) * 1e-12)
    tau, ramp, beta = 2e-12, 1e10, 0.5
    alpha = 1 / (tau * ramp)
    expect = tau * math.sqrt(math.log(0.5) ** 2 + 2 * alpha * beta * 0.5)
    assert horowitz(tau, beta, ramp) == pytest.approx(expect)


def test_elmore_distributed_wire():
    # Elmore/Bakoglu: a uniform RC line driven by R_d into C_L: 0.69 R_d (C + C_L) + 0.38 R C + 0.69 R C_L.
    r, c, rd, cl = 1000.0, 100e-15, 500.0, 10e-15
    assert wire_delay(r, c, rd, cl) == pytest.approx(0.693147 * rd * (c + cl) + 0.38 * r * c + 0.693147 * r * cl,
                                                     rel=1e-5)
    # delay of an undriven line grows with the square of its length (r, c per unit length)
    assert wire_delay(2 * r, 2 * c) == pytest.approx(4 * wire_delay(r, c))


def test_nvsim_device_constants():
    # Source: NVSim device tables at 350 K (project reference circuit_model.md section 7):
    # R_on of the minimum 1.5F NMOS and its gate capacitance, 22/32/45 nm HP.
    for node, r_min, c_min_fF in ((22, 20482, 0.031), (32, 16283, 0.060), (45, 12814, 0.089)):
        t = tech_node(node, "hp", 350)
        assert t.r_on(1.5 * t.F_m) == pytest.approx(r_min, rel=0.01)
        assert t.c_gate(1.5 * t.F_m) * 1e15 == pytest.approx(c_min_fF, rel=0.05)
    # NVSim interpolates 28 nm between 22 and 32 nm, geometrically for the off-current
    t22, t28, t32 = (tech_node(n, "lstp") for n in (22, 28, 32))
    assert t28.vdd_V == pytest.approx(t22.vdd_V + 0.6 * (t32.vdd_V - t22.vdd_V))
    assert math.log(t28.ioff_uA_per_um) == pytest.approx(
        math.log(t22.ioff_uA_per_um) + 0.6 * (math.log(t32.ioff_uA_per_um) - math.log(t22.ioff_uA_per_um)))


def test_temperature_dependence():
    # NVSim's 22 nm HP off-current: 0.597 uA/um at 300 K, 1.05717 at 350 K (exponential in between)
    assert tech_node(22, "hp", 300).ioff_uA_per_um == pytest.approx(0.597, rel=1e-6)
    assert tech_node(22, "hp", 350).ioff_uA_per_um == pytest.approx(1.05717, rel=1e-6)
    hot, cold = tech_node(16, "hp", 380), tech_node(16, "hp", 320)
    assert hot.ioff_uA_per_um > cold.ioff_uA_per_um and hot.r_global_ohm_per_um > cold.r_global_ohm_per_um
    with pytest.raises(ConfigError, match="node_nm"):
        tech_node(7)
    with pytest.raises(ConfigError, match="roadmap"):
        tech_node(22, "lop")


def test_driver_chain_follows_logical_effort():
    # Sutherland/Sproull/Harris: N = round(log4(F)) stages for electrical effort F, delay grows ~ log(F)
    t = tech_node(22)
    c_in = t.c_gate(t.w_min_m * (1 + t.pn_ratio))
    d1, e1, _, w1 = driver_chain(t, 4 ** 3 * c_in)
    d2, e2, _, w2 = driver_chain(t, 4 ** 6 * c_in)
    assert d2 / d1 == pytest.approx(2.0, rel=0.15)
    # energy at least C_load Vdd^2, widths grow with the load
    assert e2 >= 4 ** 6 * c_in * t.vdd_V ** 2 and w2 > w1


def test_organisations_cover_non_power_of_two_sets():
    # 3 MB, 16-way, 128 B lines = 1536 sets (NVSim cannot build it: performance.md); every candidate
    # stores at least the capacity and at most 5 % more.
    data, tag = cache_specs(3 * 2**20, 16, 128, "normal")
    org = organisations(data)
    assert org["rows"].size > 100
    stored = org["mat_rows"] * org["mat_cols"] * 4 * org["rows"] * org["cols"]
    assert np.all(stored >= data.capacity_bits) and np.all(stored <= 1.05 * data.capacity_bits)
    # NVSim tag width: 48 - log2(sets) - log2(line) + 2 = 48 - 11 - 7 + 2 = 32 bits per way
    assert tag.write_bits == 32 and tag.capacity_bits == 1536 * 16 * 32


def test_array_invariants():
    t = tech_node(16)
    spec = ArraySpec(2**23, 512, 512, 512, 512, 14)
    org = organisations(spec)
    sram = evaluate(load_cell("sram"), t, spec, org)
    stt = evaluate(load_cell("stt"), t, spec, org)
    # MRAM cells do not leak: only peripherals; SRAM cells dominate SRAM leakage
    assert np.all(stt["part_leak_cells"] == 0)
    assert sram["part_leak_cells"][0] > 0.7 * sram["leakage_W"].min()
    # the MRAM write includes the cell's write pulse (8.4 ns, DeepNVM++ Table I)
    assert np.all(stt["write_latency_s"] > 8.4e-9)
    # a denser cell gives a smaller array for the same organisation
    assert stt["area_m2"].min() < sram["area_m2"].min() / 2
    # every quantity positive and finite
    for res in (sram, stt):
        for key in ("read_latency_s", "write_latency_s", "read_energy_J", "write_energy_J", "leakage_W", "area_m2"):
            assert np.all(np.isfinite(res[key])) and np.all(res[key] > 0)


def test_mram_rows_limited_by_access_leakage():
    # NVSim: a resistive cell behind a CMOS access device may not have more rows than I_on / I_off
    from models.circuit.search import array_optima

    t = tech_node(16)
    data, _ = cache_specs(2**20, 16, 128, "sequential")
    _, _, org = array_optima(load_cell("stt"), t, data)
    assert org["rows"].max() <= t.ion_n_uA_per_um / t.ioff_uA_per_um


@pytest.mark.parametrize("node,kind,ref", [
    (22, "global", (96, 403, 106)), (22, "semi", (296, 384, 101)), (22, "local", (593, 385, 101)),
    (32, "global", (68, 430, 106)), (32, "local", (423, 399, 98)),
])
def test_repeated_wire_matches_nvsim(node, kind, ref):
    # Source: NVSim's optimally repeated wires at 350 K (project reference circuit_model.md section 7):
    # delay ps/mm, energy fJ/mm, leakage uW/mm.  nvmsim's Bakoglu sizing with the same r, c: within 25 %.
    from models.circuit.gates import repeated_wire

    t = tech_node(node)
    d, e, lk = repeated_wire(t, *t.wire(kind))
    assert d * 1e-3 * 1e12 == pytest.approx(ref[0], rel=0.25)
    assert e * 1e-3 * 1e15 == pytest.approx(ref[1], rel=0.25)
    assert lk * 1e-3 * 1e6 == pytest.approx(ref[2], rel=0.25)


def test_repeated_htree_fixes_quadratic_latency():
    # unrepeated global wires (NVSim's sample setting) make a large array's H-tree delay quadratic in its side
    # (linear in its capacity: 4x capacity, 4x delay); optimal repeaters make it linear in the side (4x capacity,
    # 2x delay), so at hundreds of MB the repeated design is several times faster.  (64 and 256 MB: the same
    # scaling as the 512 MB this test used to build, at a tenth of the search.)
    from models import tech_table

    def latency(mb, **kw):
        return tech_table(cells=["sram28"], capacities_MB=[mb], node_nm=28, mode="ram", **kw).read_latency_ns.iloc[0]

    un = {mb: latency(mb) for mb in (64, 256)}
    rep = {mb: latency(mb, htree_wires="repeated") for mb in (64, 256)}
    assert 3.0 < un[256] / un[64] < 4.5  # quadratic in the side
    assert 1.5 < rep[256] / rep[64] < 2.5  # linear in the side
    assert rep[256] < un[256] / 3
    with pytest.raises(ConfigError, match="htree_wires"):
        tech_table(cells=["sram28"], capacities_MB=[1], htree_wires="optical")


def test_resistive_read_adds_current_sense_amplifier():
    # NVSim (Dong et al., TCAD 2012; its HSPICE I-V converter table: 1.45 ns at <= 22 nm) senses resistive cells
    # with a current-mode amplifier after the bitline; DeepNVM++ Table I's 650 ps is wordline on -> 25 mV bitline
    # difference, a bitline time, so it is not added on top of the bitline computed here.  Oracle: the amplifier
    # stage is the I-V converter delay plus a latch resolving 25 mV (FO4 x ln(Vdd / 25 mV)).
    import dataclasses

    from models.circuit.calibration import DEFAULT
    from models.circuit.gates import fo4_delay
    from models.nvsim_io import iv_converter_delay_ns

    t = tech_node(16)
    spec = ArraySpec(2**20, 512, 512, 512, 512, 11)
    org = organisations(spec)
    sot = load_cell("sot")
    new = evaluate(sot, t, spec, org)
    latch = fo4_delay(t) * math.log(t.vdd_V / 0.025)
    assert new["part_t_sa"] == pytest.approx(iv_converter_delay_ns(16) * 1e-9 + latch, rel=1e-9)
    # the characterised sense time does not enter: a cell with another value reads identically
    other = evaluate(dataclasses.replace(sot, read_latency_ns=2.0), t, spec, org)
    assert np.array_equal(other["read_latency_s"], new["read_latency_s"])
    # the former structure (characterised time as the amplifier) stays available as a calibration choice
    old = evaluate(sot, t, spec, org, dataclasses.replace(DEFAULT, cell_sense_time_as_sa=True))
    assert old["part_t_sa"] == pytest.approx(0.650e-9, rel=1e-9)
    assert np.allclose(new["read_latency_s"] - old["read_latency_s"], new["part_t_sa"] - 0.650e-9)


def test_sram_bitline_leakage_slows_and_limits_long_bitlines():
    # Oracle: the read differential develops at (I_read - (rows - 1) I_off,access) / C_BL; a column may hold no
    # more rows than 1 + I_read / I_off,access (the same rule NVSim applies to resistive cells as I_on / I_off).
    # I_read = Vdd / (R_access + R_pulldown) in series, R = k_R Vdd / (I_on W) (NVSim/CACTI device model).
    import dataclasses

    from models.circuit.array import sram_bitline_currents
    from models.circuit.calibration import DEFAULT
    from models.circuit.search import array_optima

    t = tech_node(16)
    cell = load_cell("sram")
    i_read, i_leak = sram_bitline_currents(cell, t)
    fin = t.fin_width_m()
    assert i_read == pytest.approx(t.vdd_V / (2 * t.k_r * t.vdd_V / (t.ion_n_uA_per_um * fin)), rel=1e-9)
    assert i_leak == pytest.approx(t.ioff_uA_per_um * 1e-6 * fin * 1e6, rel=1e-9)
    spec = ArraySpec(2**22, 512, 512, 512, 512, 13)
    org = organisations(spec)
    with_leak = evaluate(cell, t, spec, org)
    without = evaluate(cell, t, spec, org, dataclasses.replace(DEFAULT, sram_bitline_leakage=False))
    # t_BL = C_BL V_sense / I + 0.38 R_BL C_BL: the signal part scales by f = I_read / (I_read - (rows - 1) I_leak)
    # and the Elmore part does not; solving the two runs for both parts, Elmore / signal = 0.38 R_BL I_read /
    # V_sense must be proportional to the bitline length, i.e. to the rows
    rows = org["rows"]
    ok = (rows < 1 + i_read / i_leak) & (rows > 1)
    f = i_read / (i_read - (rows[ok] - 1) * i_leak)
    t_w, t_wo = with_leak["part_t_bl"][ok], without["part_t_bl"][ok]
    signal = (t_w - t_wo) / (f - 1)
    elmore = t_wo - signal
    assert np.all(signal > 0) and np.all(elmore > 0)
    per_row = elmore / signal / rows[ok]
    assert np.allclose(per_row, per_row[0], rtol=1e-6)
    _, _, chosen = array_optima(cell, t, cache_specs(2**22, 16, 128, "sequential")[0])
    assert chosen["rows"].max() <= 1 + i_read / i_leak


def test_resistive_column_mux_sized_like_nvsim():
    # NVSim Mux.cpp: for MRAM/PCM/RRAM the column-mux pass NMOS adds at most 20 % (IR_DROP_TOLERANCE) to the
    # cell's low resistance, W = R_on(F) F / (0.2 R_on,cell), capped at MaxNmosSize (100 F), and carries the
    # write current.  The wider pass gates make the column periphery of an MRAM array larger than with NVSim's
    # 9 F default: same organisations, strictly larger area.
    import dataclasses

    t = tech_node(28)
    cell = load_cell("stt28")
    w = t.k_r * t.vdd_V / (t.ion_n_uA_per_um * 0.2 * cell.resistance_on_ohm)
    assert 9 * t.F_m < w < 100 * t.F_m  # 43 F at 28 nm
    spec = ArraySpec(2**22, 1024, 1024, 1024, 1024, 12)
    org = organisations(spec)
    wide = evaluate(cell, t, spec, org)
    # a cell with a 5x larger low resistance needs the 9 F default only: its columns are narrower
    narrow = evaluate(dataclasses.replace(cell, resistance_on_ohm=15000.0, resistance_off_ohm=30000.0), t, spec, org)
    extra = org["cols"] * (w - 9 * t.F_m) * 10.0 * t.F_m  # columns x extra width x area per width (10 F)
    a_wide, a_narrow = wide["area_m2"], narrow["area_m2"]
    assert np.all(a_wide > a_narrow)
    # per subarray the column strip grows by exactly that layout
    sub = (wide["part_col_height"] - narrow["part_col_height"]) * (wide["part_w_sub"] - wide["part_dec_width"])
    assert np.allclose(sub, extra, rtol=1e-9)


def test_htree_buffers_take_area():
    # with a buffer at every H-tree node (htree_node_buffers, the fits before 2026-12), the buffers whose leakage the
    # model counts also take layout: area = their width (half of it leaks, driver_chain's rule) x the peripherals'
    # area per unit width.  The fitted default's passive segments (NVSim's unrepeated H-tree) have neither.
    from models.circuit.calibration import DEFAULT

    t = tech_node(16)
    spec = ArraySpec(2**24, 1024, 1024, 1024, 1024, 14)
    org = organisations(spec)
    cal = dataclasses.replace(DEFAULT, htree_node_buffers=True)
    res = evaluate(load_cell("sram"), t, spec, org, cal)
    width = res["part_leak_tree"] / (0.5 * t.i_off(1.0) * t.vdd_V)
    assert np.allclose(res["part_a_tree"], width * DEFAULT.area_per_width_F * t.F_m, rtol=1e-9)
    many = org["mat_rows"] * org["mat_cols"] > 1
    assert np.all(res["part_a_tree"][many] > 0)
    passive = evaluate(load_cell("sram"), t, spec, org)
    assert not DEFAULT.htree_node_buffers
    assert np.all(passive["part_a_tree"] == 0) and np.all(passive["part_leak_tree"] == 0)
    # a passive segment's delay is htree_wire_delay x its R C, no driver: quadratic in the bank's size
    assert np.all(passive["part_t_tree"][many] > 0)


def test_wordline_driver_cap_tapers_the_chain():
    # wordline_driver_max_F caps the last stage of the fitted wordline drivers (NVSim caps every output driver at
    # -MaxNmosSize): a long wordline's driver is narrower and leaks less, and it is slower than the free chain
    t = tech_node(16)
    c_load = np.array([1e-15, 200e-15])
    free = _chain_effort(t, c_load, 0.0, 16.0)
    capped = _chain_effort(t, c_load, 0.0, 16.0, max_last=100 * t.F_m)
    assert capped[3][0] == pytest.approx(free[3][0]) and capped[0][0] == pytest.approx(free[0][0])
    assert capped[3][1] < free[3][1] and capped[2][1] < free[2][1] and capped[0][1] > free[0][1]


def test_fitted_driver_chain_has_the_stage_effort_asked_for():
    # the fitted model's wordline drivers: enough stages of effort at most ``effort`` from a minimum inverter; a load
    # of 64 minimum inverters at effort 4 is three stages, sizes 1 + 4 + 16, and half the chain's width leaks (NVSim's
    # latency-first OutputDriver is the stock model's, tests/test_circuit_nvsim_stock.py)
    from models.circuit.array import _chain_effort

    tech = tech_node(28)
    w_inv0 = tech.w_min_m * (1 + tech.pn_ratio)
    c_in0 = tech.c_gate(w_inv0)
    t, _, leak, width = _chain_effort(tech, 64 * c_in0, 0.0, 4.0)
    assert float(width) == pytest.approx(21 * w_inv0, rel=1e-9)
    assert float(leak) == pytest.approx(0.5 * tech.i_off(21 * w_inv0) * tech.vdd_V, rel=1e-9)
    t16, *_ = _chain_effort(tech, 64 * c_in0, 0.0, 16.0)
    assert float(t16) > float(t)
