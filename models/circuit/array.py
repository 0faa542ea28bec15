"""One memory array (a bank of mats of subarrays), evaluated over a vector of organisations at once.

This is the DeepNVM++-fitted 16 nm model (``models.circuit.calibration.DEFAULT``); NVSim's own model, the stock
model of the planar nodes, is :mod:`.stock`.  The organisation space is NVSim's hierarchy (bank -> mats ->
subarrays) reduced to nvmsim's grid: ``Mr x Mc`` mats of 2 x 2 subarrays, ``n_active_mats`` of them and
``sub_active`` of each mat's subarrays serving an access, ``rows`` per subarray; the column count follows from the
capacity (so any capacity, e.g. 1536 sets, works) and the column-mux degree from the bits each active subarray must
sense.  Every formula below is closed-form in numpy, so
the whole space (~20 000 candidates) is one pass of array arithmetic.

Delay: predecoder + row decoder/wordline driver (logical-effort chain into the distributed wordline),
bitline (SRAM: cell current, less the worst-case leakage of the column's unselected cells, discharging the
bitline to the sense margin plus the line's Elmore delay;
MRAM: the cell's characterised sense time plus the line's RC, NVSim's ICCAD'09 current-sense model),
sense amplifier, column and output muxes, and an H-tree of unrepeated global wires, either with a buffer at
every node (the fitted 16 nm model) or passive as NVSim builds it (address in and data out for reads, once for
writes); optionally a column-select decoder per subarray (NVSim's bitline-mux decoder).  Writes: SRAM drives the
bitlines full swing; resistive cells add the cell's write pulse.  Energy per access counts decoders, wordlines, the
bitlines that swing, sense amps, muxes, cell read/write energy and the H-tree; leakage counts SRAM cells
and all peripherals of every subarray (no power gating); area is cells plus decoder and column strips
(resistive arrays' column-mux pass gates sized as NVSim's for the read margin and write current),
predecoders per mat, mats tiled in the bank and the H-tree's node buffers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.cells import Cell
from models.circuit.calibration import DEFAULT, Calibration
from models.circuit.gates import ELMORE_DISTRIBUTED, LN2, driver_chain, fo4_delay, repeated_wire
from models.nvsim_io import iv_converter_delay_ns
from models.technology import TechNode

POW2_MATS = 2 ** np.arange(0, 9)  # 1..256 mats per bank row / column
POW2_ROWS = 2 ** np.arange(4, 13)  # 16..4096 rows per subarray
SUB_ACTIVE = np.array([1, 2, 4])  # active subarrays of a mat's 2 x 2
MAX_COLUMNS = 4096
MIN_COLUMNS = 8
MAX_MUX = 256


@dataclass(frozen=True)
class ArraySpec:
    """What one array must store and deliver per access (bits).

    ``capacity_bits`` stored; ``block_bits`` delivered per read; ``row_bits`` that must sit in one logical
    row (a whole set in Normal mode); ``sensed_bits`` read by sense amplifiers per access; ``write_bits``
    written per write; ``addr_bits`` routed to the mats; ``is_tag`` adds comparators.
    """

    capacity_bits: float
    block_bits: int
    row_bits: int
    sensed_bits: int
    write_bits: int
    addr_bits: int
    is_tag: bool = False
    ways: int = 1
    enforce_aspect: bool = True


def organisations(spec: ArraySpec, max_rows: float = np.inf) -> dict[str, np.ndarray]:
    """All candidate organisations for ``spec`` that pass the validity rules, as flat arrays.

    ``max_rows`` caps the rows per subarray (NVSim: a resistive cell with a CMOS access device may not
    have more rows than the access transistor's I_on / I_off, or the unselected cells' leakage swamps
    the read current).  Every mat is 2 x 2 subarrays, 1, 2 or 4 of them active.
    """
    mr, mc, nam, sa, rows = np.meshgrid(POW2_MATS, POW2_MATS, POW2_MATS, SUB_ACTIVE, POW2_ROWS, indexing="ij")
    mr, mc, nam, sa, rows = (a.ravel().astype(float) for a in (mr, mc, nam, sa, rows))
    nmats = mr * mc
    ok = (nam <= nmats) & (rows <= max_rows)
    nsub = nmats * 4.0
    n_active = nam * sa
    cols = np.ceil(spec.capacity_bits / (nsub * rows))
    mux = cols * n_active / spec.sensed_bits  # bitlines per sense amplifier
    ok &= (cols >= MIN_COLUMNS) & (cols <= MAX_COLUMNS)
    ok &= (mux >= 1.0) & (mux <= MAX_MUX)
    ok &= cols * n_active >= spec.row_bits  # a set (Normal) or a block fits in the active row
    ok &= spec.block_bits / n_active >= 1.0
    # the capacity must not be padded by more than a few per cent (ceil of the column count)
    ok &= nsub * rows * cols <= spec.capacity_bits * 1.05
    return {"mat_rows": mr[ok], "mat_cols": mc[ok], "active_mats": nam[ok], "sub_rows": np.full(ok.sum(), 2.0),
            "sub_cols": np.full(ok.sum(), 2.0), "sub_active": sa[ok], "rows": rows[ok], "cols": cols[ok],
            "mux": np.maximum(mux[ok], 1.0)}


def _access_width(cell: Cell, tech: TechNode, fins: int) -> float:
    if tech.finfet and fins > 0:
        return fins * tech.fin_width_m()
    if tech.finfet:
        return max(1, round(cell.access_width_F * tech.F_m / tech.fin_width_m())) * tech.fin_width_m()
    return cell.access_width_F * tech.F_m


def _sram_widths(cell: Cell, tech: TechNode) -> tuple[float, float]:
    if tech.finfet:
        fin = tech.fin_width_m()
        return max(1.0, cell.sram_nmos_width_F) * fin, max(1.0, cell.sram_pmos_width_F) * fin
    return cell.sram_nmos_width_F * tech.F_m, cell.sram_pmos_width_F * tech.F_m


def sram_bitline_currents(cell: Cell, tech: TechNode) -> tuple[float, float]:
    """(read current of the selected cell, off-current of one unselected cell's access device), in A.

    The read current flows through the access device and the pull-down in series; an unselected cell whose
    storage node is low leaks through its off access device from the precharged bitline.
    """
    w_acc = _access_width(cell, tech, cell.read_fins)
    w_pd, _ = _sram_widths(cell, tech)
    return float(tech.vdd_V / (tech.r_on(w_acc) + tech.r_on(w_pd))), float(tech.i_off(w_acc))


def evaluate(cell: Cell, tech: TechNode, spec: ArraySpec, org: dict[str, np.ndarray],
             cal: Calibration = DEFAULT) -> dict[str, np.ndarray]:
    """Latency (s), dynamic energy (J), leakage (W) and area (m^2) of every organisation in ``org``."""
    F = tech.F_m
    vdd = tech.vdd_V
    rows, cols, mux = org["rows"], org["cols"], org["mux"]
    mr, mc, nam, sa = org["mat_rows"], org["mat_cols"], org["active_mats"], org["sub_active"]
    n_active = nam * sa
    nsub = mr * mc * 4.0  # mats of 2 x 2 subarrays
    sram = cell.is_sram
    capacity_bits = spec.capacity_bits
    sensed_bits = float(spec.sensed_bits)
    write_bits = float(spec.write_bits)
    fo4 = fo4_delay(tech)
    r_loc, c_loc = tech.wire("local")
    r_semi, c_semi = tech.wire("semi")
    r_glob, c_glob = tech.wire("global")

    # ---------------------------------------------------------------- cell geometry and line loads
    a_cell = cell.area_F2 * (cell.node_nm * 1e-9) ** 2  # the cell's characterised size
    h_cell = np.sqrt(a_cell * cell.aspect_ratio)
    w_cell = np.sqrt(a_cell / cell.aspect_ratio)
    l_wl = cols * w_cell
    l_bl = rows * h_cell
    if sram:
        w_acc_r = w_acc_w = _access_width(cell, tech, cell.read_fins)
        gates_per_cell = 2.0
    else:
        w_acc_r = _access_width(cell, tech, cell.read_fins)
        w_acc_w = _access_width(cell, tech, cell.write_fins) if cell.write_fins else w_acc_r
        gates_per_cell = 1.0
    c_wl_read = c_loc * l_wl + cols * gates_per_cell * tech.c_gate(w_acc_r)
    r_wl = r_loc * l_wl
    if cell.separate_read_path:
        c_wl_write = c_loc * l_wl + cols * tech.c_gate(w_acc_w)
    else:
        c_wl_write = c_wl_read
    w_pass = 9.0 * F  # column-mux pass gate (NVSim)
    if not sram and cell.resistance_on_ohm > 0:
        # NVSim (Mux.cpp) sizes a resistive array's column-mux pass gates so that they add at most 20 % to the low
        # resistance (else they eat the read margin) and can carry the write current
        i_w = max(cell.set_current_uA, cell.reset_current_uA, 0.0) * 1e-6
        w_ir = min(tech.k_r * vdd / (tech.ion_n_uA_per_um * 0.2 * cell.resistance_on_ohm), 100.0 * F)  # MaxNmosSize
        w_pass = max(w_pass, w_ir, i_w / tech.ion_n_uA_per_um)
    c_bl = c_loc * l_bl + rows * tech.c_drain(w_acc_r) / 2.0 + tech.c_drain(w_pass)
    c_bl_write = c_loc * l_bl + rows * tech.c_drain(w_acc_w) / 2.0 + tech.c_drain(w_pass)
    r_bl = r_loc * l_bl

    # ---------------------------------------------------------------- row decoder + wordline driver
    w_cap = cal.wordline_driver_max_F * F
    t_wl, e_wl, leak_wl, wdt_wl = _chain_effort(tech, c_wl_read, r_wl, effort=cal.wordline_stage_effort,
                                                max_last=w_cap)
    if cell.separate_read_path:
        t_wlw, e_wlw, leak_wlw, wdt_wlw = _chain_effort(tech, c_wl_write, r_wl, effort=cal.write_wordline_stage_effort)
    else:
        t_wlw, e_wlw, leak_wlw, wdt_wlw = t_wl, e_wl, np.zeros_like(leak_wl), np.zeros_like(wdt_wl)
    nand_delay = 1.5 * fo4 * np.ones_like(rows)  # NAND2 of two predecoded lines (logical effort 4/3, + p)
    w_nand = 2.0 * 2.0 * tech.w_min_m * (1 + tech.pn_ratio)  # a NAND2 sized for unit drive
    leak_nand = 0.48 * 2.0 * tech.i_off(tech.w_min_m * tech.pn_ratio) * vdd  # NVSim's NAND2 leakage rule

    # ---------------------------------------------------------------- areas
    apw = cal.area_per_width_F * F  # m^2 of layout per m of transistor width
    dec_width = (wdt_wl + wdt_wlw + w_nand) * apw / h_cell + cal.strip_overhead_F * F
    senses_per_sub = np.maximum(cols / mux, 1.0)
    write_per_sub = np.maximum(write_bits / n_active, 1.0)
    if sram:
        sa_area = cal.sa_width_F * F * apw
        w_wd = 4.0 * tech.w_min_m * (1 + tech.pn_ratio)
    else:
        sa_area = cal.sa_width_F * F * apw + cal.iv_converter_area_F2 * F * F
        i_w = max(cell.set_current_uA, cell.reset_current_uA, 1.0) * 1e-6
        w_wd = max(i_w / (tech.ion_n_uA_per_um * 1.0) * 2.0, 4.0 * tech.w_min_m) * (1 + tech.pn_ratio)
    col_area = (cols * (cal.column_width_F * F + w_pass - 9.0 * F) * apw + senses_per_sub * sa_area
                + write_per_sub * w_wd * apw)
    col_height = col_area / l_wl + cal.strip_overhead_F * F
    a_pre = cal.predecoder_area_F2 * F * F
    h_sub = l_bl + col_height
    w_sub = l_wl + dec_width
    h_mat = 2.0 * h_sub
    w_mat = 2.0 * w_sub + np.sqrt(a_pre)  # the predecoder block beside the 2 x 2 subarrays
    h_bank = mr * h_mat
    w_bank = mc * w_mat
    area = h_bank * w_bank

    # ---------------------------------------------------------------- predecoder (per mat, at its centre)
    l_pre = (h_mat + w_mat) / 2.0
    c_pre_load = rows / 4.0 * tech.c_gate(w_nand / 2.0)
    t_pre, e_pre1, leak_pre1, _ = driver_chain(tech, c_pre_load, r_semi * l_pre, c_semi * l_pre)
    row_bits = np.log2(rows)
    n_pre_lines = 2.0 * np.ceil(row_bits / 3.0)  # lines that switch per access (one per 3:8 block, x2 edges)
    e_pre = e_pre1 * n_pre_lines
    leak_pre = leak_pre1 * 8.0 * np.ceil(row_bits / 3.0)  # every predecoded line's driver leaks

    # ---------------------------------------------------------------- bitline and sensing
    v_sense = cell.min_sense_voltage_mV * 1e-3
    if sram:
        i_cell, i_leak = sram_bitline_currents(cell, tech)
        # The read cell discharges its bitline while the column's unselected cells, in the worst case all
        # holding the opposite value, leak onto the same line through their off access devices: the
        # differential develops with the difference (Calibration.sram_bitline_leakage).
        i_sig = i_cell - (rows - 1.0) * i_leak if cal.sram_bitline_leakage else i_cell * np.ones_like(rows)
        t_bl = c_bl * v_sense / np.maximum(i_sig, 1e-3 * i_cell) + ELMORE_DISTRIBUTED * r_bl * c_bl
        t_sa = fo4 * np.log(vdd / v_sense)
    else:
        r_off = max(cell.resistance_off_ohm, 1.0) + tech.r_on(w_acc_r)
        r_on_cell = max(cell.resistance_on_ohm, 1.0) + tech.r_on(w_acc_r)
        # the sense margin develops from the P/AP current difference through cell + access device
        i_diff = cell.read_voltage_V * (1.0 / r_on_cell - 1.0 / r_off)
        t_bl = (ELMORE_DISTRIBUTED * r_bl * c_bl * (r_off + r_bl / 3.0) / (r_off + r_bl)
                + c_bl * v_sense / i_diff)
        if cell.read_latency_ns > 0 and cal.cell_sense_time_as_sa:
            t_sa = cell.read_latency_ns * 1e-9 * np.ones_like(rows)
        else:
            # A margin of tens of mV is within a bare latch's input offset, so resistive cells are read by a
            # pre-amplifying current-mode sense amplifier: NVSim's HSPICE I-V converter delay, then the latch.
            # A cell's characterised sense time (DeepNVM++ Table I: wordline on -> 25 mV bitline difference)
            # is the margin development of its characterisation column; t_bl above computes that for this
            # organisation's own bitline, so it is not added again (see Calibration.cell_sense_time_as_sa).
            t_sa = (iv_converter_delay_ns(tech.node_nm) * 1e-9 + fo4 * np.log(vdd / v_sense)) * np.ones_like(rows)
    r_pass = tech.r_on(w_pass)
    c_sa_in = tech.c_gate(cal.sa_width_F * F / 4.0)
    t_mux_sa = LN2 * r_pass * (mux * tech.c_drain(w_pass) + c_sa_in)
    out_bits_sub = spec.block_bits / n_active
    out_mux = np.maximum(senses_per_sub / out_bits_sub, 1.0)
    t_mux_out = (LN2 * r_pass * (out_mux * tech.c_drain(w_pass) + c_loc * w_sub)
                 + ELMORE_DISTRIBUTED * r_loc * c_loc * w_sub ** 2)

    t_rowdec = nand_delay + t_wl
    t_sub_read = t_rowdec + t_bl + t_sa + t_mux_sa + t_mux_out
    if sram:
        w_drv = 4.0 * tech.w_min_m
        t_write_bl = LN2 * tech.r_on(w_drv) * c_bl_write + ELMORE_DISTRIBUTED * r_bl * c_bl_write
        t_sub_write = nand_delay + t_wlw + t_write_bl + 2.0 * fo4
    else:
        t_charge = LN2 * tech.r_on(w_wd / (1 + tech.pn_ratio)) * c_bl_write + ELMORE_DISTRIBUTED * r_bl * c_bl_write
        t_sub_write = nand_delay + t_wlw + t_charge + cell.write_latency_ns * 1e-9
    if spec.is_tag:
        t_cmp = cal.comparator_fo4 * fo4
        t_sub_read = t_sub_read + t_cmp

    # ------------------------------------------------------- H-tree (global wires: buffered or repeated)
    t_tree = np.zeros_like(rows)
    e_lvl_data = np.zeros_like(rows)  # energy per data bit over the path (J)
    e_lvl_addr = np.zeros_like(rows)  # energy per address bit, summed over the active branches (J)
    leak_tree = np.zeros_like(rows)
    rep_delay, rep_energy, rep_leak = repeated_wire(tech, r_glob, c_glob)
    below = np.ones_like(rows)  # mats under one segment of the current level (levels walked bottom-up)
    n_levels = int(np.log2(max(float(np.max(mr, initial=1.0)), float(np.max(mc, initial=1.0)))) + 0.5)
    for k in range(1, max(n_levels, 1) + 1):  # every level of the tree (512 mats a side: 9)
        for seg0, n in ((w_mat, mc), (h_mat / 2.0, mr)):
            active = n >= 2 ** k
            if not active.any():
                continue
            seg = np.where(active, seg0 * 2 ** (k - 1), 0.0)
            if cal.htree_repeaters:
                t_k, e_k, lk_k = rep_delay * seg, rep_energy * seg, rep_leak * seg
            elif cal.htree_node_buffers:
                t_k, e_k, lk_k, _ = driver_chain(tech, tech.c_gate(8 * tech.w_min_m), r_glob * seg, c_glob * seg)
                # the segment's own RC at the calibration's swing (driver_chain counts the 50 % point)
                t_k = t_k + (cal.htree_wire_delay - ELMORE_DISTRIBUTED) * r_glob * c_glob * seg * seg
            else:  # a passive segment, as NVSim's unrepeated wire: its RC alone, C V^2, no devices
                t_k = cal.htree_wire_delay * r_glob * c_glob * seg * seg
                e_k = c_glob * seg * vdd ** 2
                lk_k = np.zeros_like(seg)
            e_k = np.where(active, e_k, 0.0)
            t_tree += np.where(active, t_k, 0.0)
            # the address reaches every active mat: a level carries it on max(1, active / mats-below) branches
            e_lvl_addr += e_k * np.maximum(1.0, nam / below)
            e_lvl_data += e_k  # data bits are split between branches, never duplicated
            leak_tree += np.where(active, lk_k, 0.0)
            below = np.where(active, below * 2.0, below)
    act = cal.htree_activity
    e_tree_read = act * (spec.addr_bits * e_lvl_addr + spec.block_bits * e_lvl_data)
    e_tree_write = act * (spec.addr_bits * e_lvl_addr + write_bits * e_lvl_data)
    # buffers of every bundle leak (address + data bits at every level's node)
    leak_tree = leak_tree * (spec.addr_bits + spec.block_bits)
    # ... and take layout: their width (leakage rule of driver_chain / repeated_wire: half the width leaks) at
    # the peripherals' area per unit width
    area_tree = leak_tree / (0.5 * tech.i_off(1.0) * vdd) * apw
    area = area + area_tree

    read_latency = t_pre + t_sub_read + 2.0 * t_tree
    write_latency = t_pre + t_sub_write + t_tree

    # ---------------------------------------------------------------- dynamic energy per access
    e_dec_read = n_active * (e_wl + e_pre)
    e_dec_write = n_active * (e_wlw + e_pre)
    sensed = sensed_bits
    e_mux = sensed * (mux * tech.c_drain(w_pass) + c_sa_in) * vdd * (vdd - tech.vth_V)
    if sram:
        e_bl_read = n_active * cols * c_bl * vdd ** 2 * cal.sram_read_swing_frac
        e_sa = sensed * tech.c_gate(cal.sa_width_F * F) * vdd ** 2
        e_cell_read = 0.0
        written = write_bits
        half = np.maximum(n_active * cols - written, 0.0)
        e_bl_write = written * c_bl_write * vdd ** 2 + half * c_bl_write * vdd ** 2 * cal.sram_read_swing_frac
        e_cell_write = 0.0
    else:
        e_bl_read = sensed * c_bl * cell.read_voltage_V ** 2
        e_sa = sensed * tech.c_gate(cal.sa_width_F * F) * vdd ** 2
        if cell.read_energy_pJ > 0:
            # the sensed cell and its reference path (NVSim's 2 x P_read x t_sense)
            e_cell_read = 2.0 * sensed * cell.read_energy_pJ * 1e-12
        else:
            scale = (tech.node_nm / 22.0)
            e_cell_read = sensed * cal.iv_converter_energy_J * scale
        written = write_bits
        v_w = cell.write_voltage_V or vdd
        e_bl_write = written * (c_bl_write * v_w ** 2 + tech.c_gate(w_wd) * vdd ** 2)
        e_cell_write = written * cell.write_energy_mean_pJ * 1e-12  # random data: half SET, half RESET
    read_energy = e_dec_read + e_bl_read + e_sa + e_mux + e_cell_read + e_tree_read
    write_energy = e_dec_write + e_bl_write + e_cell_write + e_tree_write
    if spec.is_tag:
        cmp_e = spec.ways * 4.0 * tech.c_gate(tech.w_min_m * 20) * vdd ** 2 * (spec.block_bits / max(spec.ways, 1))
        read_energy = read_energy + cmp_e

    # ---------------------------------------------------------------- leakage (every subarray, no gating)
    n_rows_total = nsub * rows
    leak_rows = n_rows_total * (leak_wl + leak_wlw + leak_nand)
    n_sa_total = nsub * senses_per_sub
    if sram:
        w_pd, w_pu = _sram_widths(cell, tech)
        leak_cells = capacity_bits * vdd * (tech.i_off(2.0 * max(w_pd, w_pu)) + tech.i_off(w_acc_r))
        leak_sa = n_sa_total * tech.i_off(cal.sa_width_F * F / 3.0) * vdd
        leak_cols = nsub * cols * tech.i_off(2.0 * F) * vdd  # precharge/equaliser PMOS (off during hold)
        leak_wd = nsub * write_per_sub * tech.i_off(w_drv) * vdd
    else:
        leak_cells = 0.0
        scale = tech.ioff_uA_per_um / 1.057  # NVSim's 150 nW is at 22 nm HP, 350 K
        leak_sa = n_sa_total * (tech.i_off(cal.sa_width_F * F / 3.0) * vdd + cal.iv_converter_leak_W * scale)
        leak_cols = 0.0
        leak_wd = nsub * write_per_sub * 0.5 * tech.i_off(w_wd) * vdd
    leak_mats = mr * mc * leak_pre
    leakage = leak_cells + leak_rows + leak_sa + leak_cols + leak_wd + leak_mats + leak_tree

    return {
        "read_latency_s": read_latency,
        "write_latency_s": write_latency,
        "mat_read_latency_s": t_pre + t_sub_read,
        "htree_latency_s": t_tree,
        "read_energy_J": read_energy,
        "write_energy_J": write_energy,
        "cell_write_energy_J": e_cell_write * np.ones_like(rows),
        "sub_write_energy_J": n_active * e_wlw + e_bl_write + e_cell_write,
        "tree_write_energy_J": e_tree_write,
        "leakage_W": leakage * np.ones_like(rows),
        "area_m2": area,
        "width_m": w_bank,
        "height_m": h_bank,
    } | {f"part_{k}": np.broadcast_to(np.asarray(v, dtype=float), rows.shape) for k, v in {
        "leak_cells": leak_cells, "leak_rows": leak_rows, "leak_sa": leak_sa, "leak_cols": leak_cols,
        "leak_wd": leak_wd, "leak_mats": leak_mats, "leak_tree": leak_tree,
        "e_dec": e_dec_read, "e_bl": e_bl_read, "e_sa": e_sa + e_mux, "e_cell": e_cell_read, "e_tree": e_tree_read,
        "ew_bl": e_bl_write, "ew_cell": e_cell_write, "ew_tree": e_tree_write,
        "t_pre": t_pre, "t_rowdec": t_rowdec, "t_bl": t_bl, "t_sa": t_sa, "t_mux": t_mux_sa + t_mux_out,
        "t_tree": t_tree, "a_cells": capacity_bits * a_cell, "h_sub": h_sub, "w_sub": w_sub,
        "dec_width": dec_width, "col_height": col_height, "a_tree": area_tree, "a_pre": a_pre}.items()}


def _chain_effort(tech: TechNode, c_load, r_wire, effort: float, max_last: float = np.inf):
    """Driver chain whose stage effort is ``effort`` (>= 4 trades delay for driver area and leakage): enough stages
    that none exceeds ``effort``; its last stage's NMOS at most ``max_last`` (m; the stages before it then taper to
    that size and it drives the load with a larger effort).  Returns (delay_s, energy_J, leak_W, width_m)."""
    wn0 = tech.w_min_m
    w_inv0 = wn0 * (1.0 + tech.pn_ratio)
    c_in0 = tech.c_gate(w_inv0)
    gamma = tech.c_drain(w_inv0) / c_in0
    r0 = tech.r_on(wn0)
    c_load = np.asarray(c_load, dtype=float)
    total = np.maximum(c_load / c_in0, 1.0)
    n = np.maximum(1.0, np.ceil(np.log(total) / np.log(effort)))
    f = total ** (1.0 / n)
    t = LN2 * r0 * c_in0 * n * (f + gamma) + ELMORE_DISTRIBUTED * r_wire * c_load
    sizes = np.where(f > 1.0 + 1e-9, (f ** n - 1.0) / np.maximum(f - 1.0, 1e-9), n)
    s_cap = max(max_last / wn0, 1.0)
    capped = (f ** (n - 1.0) > s_cap) & (n >= 2)
    if np.any(capped):
        # the last stage at the cap: the first n-1 stages taper from 1 to s_cap, the last drives the load alone
        fc = s_cap ** (1.0 / np.maximum(n - 1.0, 1.0))
        t_cap = (LN2 * r0 * c_in0 * ((n - 1.0) * (fc + gamma) + gamma) + LN2 * r0 / s_cap * c_load
                 + ELMORE_DISTRIBUTED * r_wire * c_load)
        sizes_cap = (fc ** n - 1.0) / np.maximum(fc - 1.0, 1e-9)
        t = np.where(capped, t_cap, t)
        sizes = np.where(capped, sizes_cap, sizes)
    width = w_inv0 * sizes
    energy = (c_load + c_in0 * sizes * (1.0 + gamma)) * tech.vdd_V ** 2
    # an idle inverter leaks through its off device: half the chain's width on average (one of N or P is off)
    leak = 0.5 * tech.i_off(width) * tech.vdd_V
    return t, energy, leak, width
