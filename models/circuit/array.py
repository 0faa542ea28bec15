"""One memory array (a bank of mats of subarrays), evaluated over a vector of organisations at once.

The organisation space is NVSim's (bank -> mats -> subarrays): ``Mr x Mc`` mats of ``sub_rows x sub_cols``
subarrays (2 x 2 in the fitted model; 1 x 1 to 2 x 2 as NVSim enumerates them with
``Calibration.nvsim_mat_shapes``), ``n_active_mats`` of them and ``sub_active`` of each mat's subarrays
serving an access, ``rows`` per subarray; the
column count follows from the capacity (so any capacity, e.g. 1536 sets, works) and the column-mux
degree from the bits each active subarray must sense.  Every formula below is closed-form in numpy, so
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
predecoders per mat, mats tiled in the bank and the H-tree's node buffers.  NVSim's stock model
(``Calibration.nvsim_periphery``) replaces the fitted strips, decoders, predecoders and sensing with NVSim's own blocks
(:mod:`.nvsim_periphery`), evaluated once per distinct subarray shape, and searches NVSim's organisation space
(``Calibration.nvsim_search_space``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.cells import Cell
from models.circuit import nvsim_periphery as nvp
from models.circuit.calibration import DEFAULT, Calibration
from models.circuit.gates import ELMORE_DISTRIBUTED, LN2, driver_chain, fo4_delay, repeated_wire
from models.circuit.nvsim_periphery import mat_predecoders
from models.nvsim_io import iv_converter_delay_ns, iv_converter_energy_pJ
from models.technology import TechNode

POW2_MATS = 2 ** np.arange(0, 9)  # 1..256 mats per bank row / column
POW2_ROWS = 2 ** np.arange(4, 13)  # 16..4096 rows per subarray
# NVSim's space (Calibration.nvsim_search_space): 1..512 mats a side, subarrays from 1 row and 1 column
NVSIM_POW2_MATS = 2 ** np.arange(0, 10)
NVSIM_POW2_ROWS = 2 ** np.arange(0, 13)
NVSIM_MIN_COLUMNS = 1
SUB_ACTIVE = np.array([1, 2, 4])
# subarrays per mat (rows x columns of subarrays): nvmsim's fixed 2 x 2, or NVSim's enumeration (macros.h BIGFOR,
# numRowSubarray and numColumnSubarray from 1 to 2), each shape with the active-subarray counts it can hold
MAT_2X2 = ((2, 2),)
NVSIM_MAT_SHAPES = ((1, 1), (1, 2), (2, 1), (2, 2))
MAX_COLUMNS = 4096
MIN_COLUMNS = 8
MAX_MUX = 256
MAX_BANK_ASPECT = 10.0
NVSIM_TAG_MAX_MATS = 64  # NVSim's REDUCE_SEARCH_SIZE for tag arrays: at most 64 x 64 mats ...
NVSIM_TAG_MAX_MUX = 64  # ... and column muxes of at most 64


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
    #: NVSim's tag-array rules (``nvsim_tag``): the ways are distributed over the active mats, each of which must
    #: hold at least one whole way (BankWithHtree: "this mat does not contain at least one way"), the tag width is
    #: broadcast to them and padded up to a multiple of the active subarrays (main.cpp), and the tag search is
    #: NVSim's reduced space (REDUCE_SEARCH_SIZE: at most 64 x 64 mats, column muxes of at most 64).  ``tag_bits``
    #: is then the unpadded tag width of one way (``capacity_bits / tag_bits`` lines).
    nvsim_tag: bool = False
    tag_bits: int = 0


def organisations(spec: ArraySpec, max_rows: float = np.inf, mat_shapes: bool = False,
                  nvsim_space: bool = False) -> dict[str, np.ndarray]:
    """All candidate organisations for ``spec`` that pass the validity rules, as flat arrays.

    ``max_rows`` caps the rows per subarray (NVSim: a resistive cell with a CMOS access device may not
    have more rows than the access transistor's I_on / I_off, or the unselected cells' leakage swamps
    the read current).  ``mat_shapes`` enumerates NVSim's mats of 1 x 1, 1 x 2, 2 x 1 and 2 x 2 subarrays
    (``Calibration.nvsim_mat_shapes``); otherwise every mat is 2 x 2.  ``nvsim_space`` widens the mats and
    subarray sizes to NVSim's (``Calibration.nvsim_search_space``).
    """
    all_mats = NVSIM_POW2_MATS if nvsim_space else POW2_MATS
    pow2_rows = NVSIM_POW2_ROWS if nvsim_space else POW2_ROWS
    min_cols = NVSIM_MIN_COLUMNS if nvsim_space else MIN_COLUMNS
    pow2_mats = all_mats[all_mats <= NVSIM_TAG_MAX_MATS] if spec.nvsim_tag else all_mats
    # (subarray rows, subarray columns, active subarrays) of a mat, in NVSim's loop order (macros.h BIGFOR)
    shapes = np.array([(r, c, a) for r, c in (NVSIM_MAT_SHAPES if mat_shapes else MAT_2X2)
                       for a in SUB_ACTIVE if a <= r * c], dtype=float)
    mr, mc, nam, shape, rows = np.meshgrid(pow2_mats, pow2_mats, pow2_mats, np.arange(len(shapes)), pow2_rows,
                                           indexing="ij")
    mr, mc, nam, rows = (a.ravel().astype(float) for a in (mr, mc, nam, rows))
    sr, sc, sa = shapes[shape.ravel()].T
    nmats = mr * mc
    ok = (nam <= nmats) & (rows <= max_rows)
    nsub = nmats * sr * sc
    n_active = nam * sa
    capacity = np.full(rows.shape, float(spec.capacity_bits))
    sensed = np.full(rows.shape, float(spec.sensed_bits))
    row_bits = np.full(rows.shape, float(spec.row_bits))
    max_mux = MAX_MUX
    if spec.nvsim_tag:
        # NVSim's tag array: every active mat holds at least one way, the broadcast tag is padded to a multiple of
        # the active subarrays, and the reduced search space caps the column mux
        ok &= nam <= spec.ways
        width = np.ceil(spec.tag_bits / n_active) * n_active
        capacity = spec.capacity_bits / spec.tag_bits * width
        sensed = row_bits = spec.ways * width
        max_mux = NVSIM_TAG_MAX_MUX
    cols = np.ceil(capacity / (nsub * rows))
    mux = cols * n_active / sensed  # bitlines per sense amplifier
    ok &= (cols >= min_cols) & (cols <= MAX_COLUMNS)
    ok &= (mux >= 1.0) & (mux <= max_mux)
    ok &= cols * n_active >= row_bits  # a set (Normal) or a block fits in the active row
    ok &= spec.block_bits / n_active >= 1.0
    if nvsim_space:
        # NVSim's H-tree hands every mat at least one address bit beyond those that gate its inactive subarrays
        # (BankWithHtree / Mat::Initialize: "too aggressive partitioning"): a subarray holds >= 2 words, i.e.
        # rows x column-mux x output-mux >= 2
        ok &= rows * cols * n_active / sensed >= 2.0 - 1e-9
    # the capacity must not be padded by more than a few per cent (ceil of the column count)
    ok &= nsub * rows * cols <= capacity * 1.05
    org = {"mat_rows": mr[ok], "mat_cols": mc[ok], "active_mats": nam[ok], "sub_rows": sr[ok], "sub_cols": sc[ok],
           "sub_active": sa[ok], "rows": rows[ok], "cols": cols[ok], "mux": np.maximum(mux[ok], 1.0)}
    if spec.nvsim_tag:
        # ... and a tag write rewrites that whole row of tags, every way's (NVSim's tag bank has the set as its word)
        org |= {"capacity_bits": capacity[ok], "sensed_bits": sensed[ok], "write_bits": sensed[ok]}
    return org


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
    sr, sc = org.get("sub_rows", 2.0), org.get("sub_cols", 2.0)  # subarrays per mat (rows x columns)
    n_active = nam * sa
    nsub = mr * mc * sr * sc
    sram = cell.is_sram
    # per-candidate stored and sensed bits where the organisation sets them (NVSim's padded tag width)
    capacity_bits = org.get("capacity_bits", spec.capacity_bits)
    sensed_bits = org.get("sensed_bits", float(spec.sensed_bits))
    write_bits = org.get("write_bits", float(spec.write_bits))
    fo4 = fo4_delay(tech)
    r_loc, c_loc = tech.wire("local")
    r_semi, c_semi = tech.wire("semi")
    r_glob, c_glob = tech.wire("global")

    # ---------------------------------------------------------------- cell geometry and line loads
    # cells keep their characterised size, or (NVSim's rule, ``Calibration.cell_area_in_F``) their area in F^2 at the
    # node evaluated
    a_cell = cell.area_F2 * (F if cal.cell_area_in_F else cell.node_nm * 1e-9) ** 2
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
    if cal.buffer_design == "latency":
        # NVSim's latency-first OutputDriver (its shipped configs' "-BufferDesignOptimization: latency"):
        # stage effort ~4 (OPT_F), last stage capped at MaxNmosSize
        drv = dict(effort=4.0, max_nmos_m=cal.max_nmos_F * F, rounded=True)
        drv_w = drv
    else:
        drv = dict(effort=cal.wordline_stage_effort)
        drv_w = dict(effort=cal.write_wordline_stage_effort)
    chain = _chain_effort
    if cal.buffer_design == "latency" and cal.nvsim_driver_stages:
        drv = drv_w = dict(max_nmos_m=cal.max_nmos_F * F)
        chain = _nvsim_latency_driver
    if cal.nvsim_periphery:
        chain = _replaced_by_nvsim_periphery  # NVSim's RowDecoders below take over (no need to size these)
    t_wl, e_wl, leak_wl, wdt_wl = chain(tech, c_wl_read, r_wl, **drv)
    if cell.separate_read_path:
        t_wlw, e_wlw, leak_wlw, wdt_wlw = chain(tech, c_wl_write, r_wl, **drv_w)
    else:
        t_wlw, e_wlw, leak_wlw, wdt_wlw = t_wl, e_wl, np.zeros_like(leak_wl), np.zeros_like(wdt_wl)
    nand_delay = 1.5 * fo4 * np.ones_like(rows)  # NAND2 of two predecoded lines (logical effort 4/3, + p)
    w_nand = 2.0 * 2.0 * tech.w_min_m * (1 + tech.pn_ratio)  # a NAND2 sized for unit drive
    leak_nand = 0.48 * 2.0 * tech.i_off(tech.w_min_m * tech.pn_ratio) * vdd  # NVSim's NAND2 leakage rule
    # column-select decoder (NVSim's bitline-mux decoder, a row decoder of ``mux`` lines per subarray): each select
    # line runs the subarray's width and drives the gates of every column's minimum-size select device; its
    # driver is sized like a wordline driver.  Decoded in parallel with the rows, in the same strip (no area)
    n_sel = np.where(mux > 1.0, np.ceil(mux - 1e-9), 0.0) if cal.column_select_drivers else np.zeros_like(mux)
    c_sel = c_loc * l_wl + cols * tech.c_gate(1.5 * F)
    t_sel, e_sel, leak_sel, _ = chain(tech, c_sel, r_wl, **drv)
    t_sel = np.where(n_sel > 0, t_sel, 0.0)

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
    out_mux_n = np.maximum(senses_per_sub / (spec.block_bits / n_active), 1.0)  # output-mux inputs (NVSim lev 1)
    a_pre = cal.predecoder_area_F2 * F * F
    if cal.nvsim_periphery:
        # the periphery of a mat depends only on its subarrays' shape and mux degrees: evaluate each distinct one once
        shape = rows.shape
        # (rows, columns, active subarrays, mat shape) fix the mux degrees too: one integer key for np.unique
        key = (((np.round(np.log2(rows)) * 8192 + cols) * 64 + np.round(np.log2(n_active))) * 4
               + (np.broadcast_to(sr, shape) - 1) * 2 + np.broadcast_to(sc, shape) - 1).astype(np.int64)
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        inv = np.asarray(inv).ravel()

        def pick(a):
            return np.broadcast_to(np.asarray(a, dtype=float), shape)[first]

        u = _nvsim_mat_periphery(cell, tech, cal, *(pick(a) for a in (rows, cols, mux, out_mux_n, l_wl, l_bl, c_wl_read,
                                                                      r_wl, c_bl, r_bl, sr, sc)), w_cell, w_pass, sram)
        nv = {k: v[inv] for k, v in u.items()}
        dec_width, col_height, a_pre = nv["add_w"], nv["add_h"], nv["a_pre"]
        t_pre_nv, leak_pre_nv, e_pre_nv = nv["t_pre"], nv["leak_pre_mat"], nv["e_pre"]
    h_sub = l_bl + col_height
    w_sub = l_wl + dec_width
    h_mat = sr * h_sub
    w_mat = sc * w_sub
    if cal.nvsim_mat_shapes:
        # NVSim's Mat::CalculateArea: the predecoder block widens the mat's longer side
        wide = w_mat > h_mat
        w_mat = np.where(wide, w_mat + np.sqrt(a_pre), w_mat)
        h_mat = np.where(wide, h_mat, h_mat + np.sqrt(a_pre))
    else:
        w_mat = w_mat + np.sqrt(a_pre)
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
    if cal.nvsim_periphery:
        # NVSim's mat predecoders; their energy is counted once per active mat (below), not per subarray
        t_pre, leak_pre, e_pre = t_pre_nv, leak_pre_nv, np.zeros_like(rows)

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

    t_rowdec = nand_delay + np.maximum(t_wl, t_sel)
    t_sub_read = t_rowdec + t_bl + t_sa + t_mux_sa + t_mux_out
    if sram:
        w_drv = 4.0 * tech.w_min_m
        t_write_bl = LN2 * tech.r_on(w_drv) * c_bl_write + ELMORE_DISTRIBUTED * r_bl * c_bl_write
        t_sub_write = nand_delay + t_wlw + t_write_bl + 2.0 * fo4
    else:
        t_charge = LN2 * tech.r_on(w_wd / (1 + tech.pn_ratio)) * c_bl_write + ELMORE_DISTRIBUTED * r_bl * c_bl_write
        t_sub_write = nand_delay + t_wlw + t_charge + cell.write_latency_ns * 1e-9
    if cal.nvsim_periphery:
        # NVSim's SubArray::CalculateLatency: max(row decoder, column-mux decoders) + bitline + muxes + sense amp;
        # SRAM writes as it reads, resistive cells add the bitline charge behind the column decoder and the pulse
        t_rowdec = nv["t_dec"]
        t_bl, t_sa = nv["t_bl"], nv["t_sa"]
        t_mux_sa, t_mux_out = nv["t_bmux"], nv["t_omux"]
        t_sub_read = t_rowdec + t_bl + t_sa + t_mux_sa + t_mux_out
        if sram:
            t_sub_write = t_sub_read
        else:
            t_sub_write = np.maximum(nv["t_row"], nv["t_col"] + nv["t_charge"]) + cell.write_latency_ns * 1e-9
    if spec.is_tag:
        t_cmp = cal.comparator_fo4 * fo4
        t_sub_read = t_sub_read + t_cmp

    # ------------------------------------------------------- H-tree (global wires: buffered, passive or repeated)
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
            elif not cal.htree_node_buffers:
                # NVSim's passive wire (Wire.cpp, repeated_none): 2.3 R C / 2, the 90 % swing of a distributed line,
                # no driver of its own, no leakage and no silicon area
                t_k = 2.3 * (r_glob * seg) * (c_glob * seg) / 2.0
                e_k, lk_k = c_glob * seg * vdd ** 2, np.zeros_like(seg)
            else:
                t_k, e_k, lk_k, _ = driver_chain(tech, tech.c_gate(8 * tech.w_min_m), r_glob * seg, c_glob * seg)
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
    e_sel_access = np.where(n_sel > 0, e_sel, 0.0)  # one select line per active subarray
    if cal.nvsim_periphery:
        e_wl = e_wlw = nv["e_row"]  # one decoded wordline (NAND + driver) per active subarray
        e_sel_access = nv["e_col"]  # one decoded select line of each column-mux decoder
    e_dec_read = n_active * (e_wl + e_pre + e_sel_access)
    e_dec_write = n_active * (e_wlw + e_pre + e_sel_access)
    if cal.nvsim_periphery:
        e_dec_read = e_dec_read + nam * e_pre_nv
        e_dec_write = e_dec_write + nam * e_pre_nv
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
        if cal.nvsim_periphery and cell.resistance_on_ohm > 0:
            # NVSim's current sensing: the cell and its reference cell draw Vdd x V_read / R_on for the sense time
            # (MemCell::CalculateReadPower; SubArray: 2 x P x t_SA), and every sense amplifier spends its I-V
            # converter's HSPICE energy (SenseAmp::CalculatePower: 0.15 pJ below 31 nm).  The shipped 28 nm cell's
            # read energy is that converter's, which this periphery supplies itself, so it is not added again.
            p_read_W = vdd * cell.read_voltage_V / cell.resistance_on_ohm
            e_cell_read = 2.0 * sensed * p_read_W * t_sa
            e_sa = e_sa + sensed * iv_converter_energy_pJ(tech.node_nm) * 1e-12
        elif cell.read_energy_pJ > 0:
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
    leak_rows = n_rows_total * (leak_wl + leak_wlw + leak_nand) + nsub * n_sel * (leak_sel + leak_nand)
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
    if cal.nvsim_periphery:
        # NVSim's SubArray / Mat leakage: decoders and drivers, precharger, sense amplifiers; no write driver
        leak_rows = nsub * nv["leak_dec"]
        leak_cols = nsub * nv["leak_pre"]
        leak_sa = nsub * nv["leak_sa"]
        leak_wd = 0.0
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


def _replaced_by_nvsim_periphery(tech: TechNode, c_load, r_wire, **_):
    """Zero delay, energy, leakage and width: what the stock model's NVSim periphery replaces."""
    z = np.zeros_like(np.asarray(c_load, dtype=float))
    return z, z, z, z


def _nvsim_mat_periphery(cell: Cell, tech: TechNode, cal: Calibration, rows, cols, mux, out_mux, l_wl, l_bl, c_wl,
                         r_wl, c_bl, r_bl, sr, sc, w_cell, w_pass, sram: bool) -> dict[str, np.ndarray]:
    """NVSim's subarray and mat periphery of each (distinct) subarray shape: layout, leakage, predecoders, latency."""

    F = tech.F_m
    _, c_loc = tech.wire("local")
    nv = _nvsim_subarray(cell, tech, cal, rows, cols, mux, out_mux, l_wl, l_bl, w_cell, c_wl, r_wl, c_bl, r_bl,
                         w_pass, sram)
    h_sub, w_sub = l_bl + nv["add_h"], l_wl + nv["add_w"]
    a_pre, t_pre, leak_pre, e_pre, ramp_pre = mat_predecoders(tech, rows, mux, out_mux, h_sub, w_sub, sr, sc, c_loc,
                                                              cal.max_nmos_F * F)
    nv |= {"a_pre": a_pre, "t_pre": t_pre, "leak_pre_mat": leak_pre, "e_pre": e_pre}
    nv |= _nvsim_subarray_latency(cell, tech, cal, rows, mux, out_mux, c_wl, r_wl, nv["c_sel"], l_bl, w_cell, r_bl,
                                  w_pass, sram, ramp_pre)
    return nv


def _nvsim_subarray(cell: Cell, tech: TechNode, cal: Calibration, rows, cols, mux, out_mux, l_wl, l_bl, w_cell,
                    c_wl, r_wl, c_bl, r_bl, w_pass, sram: bool) -> dict[str, np.ndarray]:
    """NVSim's subarray periphery, layout and leakage (``Calibration.nvsim_periphery``; SubArray.cpp).

    The row decoder beside the array, folded into the array's height when it is taller ("magic folding"), sharing
    its strip with the bitline-mux and output-mux decoders (each a driver even for a mux of 1, loading a
    wordline-long select line and every column's select device); below the array the precharger, the bitline-mux
    pass gates, the sense amplifiers at the mux pitch (with the I-V converter for current sensing) and the output
    mux.  NVSim lays out and leaks no write driver.
    """

    F = tech.F_m
    vdd = tech.vdd_V
    mx = cal.max_nmos_F * F
    r_loc, c_loc = tech.wire("local")
    rd = nvp.row_decoder(tech, rows, c_wl, r_wl, mx)
    i_bl = 0.0 if sram else max(cell.set_current_uA, cell.reset_current_uA, 0.0) * 1e-6
    w_sel = max(nvp.MIN_NMOS_F * F, i_bl / (tech.ion_n_uA_per_um * 1.0))  # NVSim's minBitlineMuxWidth
    c_sel = c_loc * l_wl + cols * tech.c_gate(w_sel)
    decs = [nvp.row_decoder(tech, n, c_sel, r_wl, mx) for n in (mux, out_mux, np.ones_like(mux))]
    add_w = np.where(rd["h"] > l_bl, rd["h"] * rd["w"] / l_bl, rd["w"])
    for d in decs:
        add_w = np.maximum(add_w, d["w"])
    v_pre = vdd / 2.0 if sram else 0.0
    h_pre, leak_pre, _ = nvp.precharger(tech, cols, w_cell, c_loc, mx, v_pre)
    h_pass = nvp.pass_gate_height(tech, w_pass)
    pitch = w_cell * mux
    h_sa = nvp.sense_amp_height(tech, pitch, current_sense=not sram)
    h_sa = np.where(pitch > 2.0 * F, h_sa, np.inf)  # NVSim: no sense-amp layout below a 2 F pitch
    add_h = h_pre + np.where(mux > 1, h_pass, 0.0) + h_sa + np.where(out_mux > 1, h_pass, 0.0)
    # sense amplifier idle leakage as NVSim computes it (enable NMOS current x Vdd^2), plus the I-V converter's
    leak_sa1 = tech.i_off(nvp.W_SENSE_EN * F) * vdd * vdd
    if not sram:
        leak_sa1 = leak_sa1 + cal.iv_converter_leak_W * tech.ioff_uA_per_um / 1.057
    return {"add_w": add_w, "add_h": add_h, "c_sel": c_sel,
            "leak_dec": rd["leak"] + sum(d["leak"] for d in decs), "leak_pre": leak_pre * np.ones_like(rows),
            "leak_sa": cols / mux * leak_sa1, "e_row": rd["e"], "e_col": sum(d["e"] for d in decs)}


def _nvsim_subarray_latency(cell: Cell, tech: TechNode, cal: Calibration, rows, mux, out_mux, c_wl, r_wl, c_sel, l_bl,
                            w_cell, r_bl, w_pass, sram: bool, ramp_in) -> dict[str, np.ndarray]:
    """NVSim's SubArray::CalculateLatency from the row predecoders' output ramp ``ramp_in``.

    Row and column-mux decoders in parallel; the SRAM bitline as NVSim's RC to half the sense margin (Horowitz
    from the wordline's ramp), the resistive bitline as its ICCAD'09 current-sense RC with the I-V converter's
    step value for the sensing; CACTI's latch resolving ``C_load / g_m ln(Vdd / V_sense)``; pass gates 2.3 R C;
    the write charge behind the column decoder.  Capacitances of the access devices, pass gates and the latch are
    NVSim's junction geometry (``nvsim_periphery.drain_cap``; the access device's region is the cell's width, the
    latch's the sense-amp pitch).
    """

    F = tech.F_m
    vdd = tech.vdd_V
    mx = cal.max_nmos_F * F
    rd = nvp.row_decoder(tech, rows, c_wl, r_wl, mx, ramp_in=ramp_in)
    t_col = np.zeros_like(rows)
    for n in (mux, out_mux, np.ones_like(mux)):
        t_col = np.maximum(t_col, nvp.row_decoder(tech, n, c_sel, r_wl, mx, ramp_in=ramp_in)["t"])
    dc = nvp.drain_cap
    pitch = w_cell * mux
    c_sa = (tech.c_gate((nvp.W_SENSE_P + nvp.W_SENSE_N) * F) + dc(tech, "inv", 1, nvp.W_SENSE_N * F, 0.0, pitch)
            + dc(tech, "inv", 1, 0.0, nvp.W_SENSE_P * F, pitch) + dc(tech, "inv", 1, 0.0, nvp.W_SENSE_ISO * F, pitch)
            + dc(tech, "inv", 1, nvp.W_SENSE_MUX * F, 0.0, pitch))
    gm_n, gm_p = nvp.transconductance_per_m(tech)
    v_sense = cell.min_sense_voltage_mV * 1e-3
    if gm_n > 0:
        t_latch = c_sa / (gm_n * nvp.W_SENSE_N * F + gm_p * nvp.W_SENSE_P * F) * np.log(vdd / v_sense)
    else:
        t_latch = fo4_delay(tech) * np.log(vdd / v_sense)
    if not sram:
        t_latch = t_latch + iv_converter_delay_ns(tech.node_nm) * 1e-9
    c_pass = dc(tech, "inv", 1, w_pass, 0.0, nvp.LOGIC_REGION_F * F)
    r_pass = tech.r_on(w_pass)
    w_acc = _access_width(cell, tech, cell.read_fins)
    c_acc = dc(tech, "inv", 1, w_acc, 0.0, w_cell)
    c_bl = tech.wire("local")[1] * l_bl + c_acc * rows / 2.0  # shared contacts: half a drain per cell
    muxed = mux > 1
    c_bmux_prev = np.where(muxed, (mux + 1.0) * c_pass + c_sa, 0.0)  # Mux::capForPreviousDelayCalculation
    t_bmux = np.where(muxed, 2.3 * r_pass * (mux * c_pass + c_sa), 0.0)
    t_omux = np.where(out_mux > 1, 2.3 * r_pass * out_mux * c_pass, 0.0)
    if sram:
        w_pd, _ = _sram_widths(cell, tech)
        v_pre = vdd / 2.0
        tau = ((tech.r_on(w_acc) + tech.r_on(w_pd)) * (c_acc + c_bl + c_bmux_prev) + r_bl * (c_bmux_prev + c_bl / 2.0))
        tau = tau * np.log(v_pre / (v_pre - v_sense / 2.0))
        t_bl, _ = nvp.horowitz(tech, tau, tech.r_on(1.0), rd["ramp"], w_gm=w_acc / w_pd)
    else:
        r_off = max(cell.resistance_off_ohm, 1.0) + tech.r_on(w_acc)
        t_bl = LN2 * r_bl * c_bl / 2.0 * (r_off + r_bl / 3.0) / (r_off + r_bl)
    r_chain = np.where(muxed, r_pass, 0.0) + np.where(out_mux > 1, r_pass, 0.0)
    c_chain = np.where(muxed, c_pass, 0.0) + np.where(out_mux > 1, c_pass, 0.0)
    t_charge = LN2 * (r_chain * (c_chain + c_bl) + r_bl * c_bl / 2.0)
    return {"t_row": rd["t"], "t_col": t_col, "t_dec": np.maximum(rd["t"], t_col), "t_bl": t_bl,
            "t_sa": t_latch * np.ones_like(rows), "t_bmux": t_bmux, "t_omux": t_omux, "t_charge": t_charge}


def _chain_effort(tech: TechNode, c_load, r_wire, effort: float, max_nmos_m: float = np.inf, rounded: bool = False):
    """Driver chain whose stage effort is ``effort`` (>= 4 trades delay for driver area and leakage).

    ``rounded`` picks the stage count as NVSim's latency-first OutputDriver does (the nearest integer to
    log_effort of the electrical effort, so stages run at about ``effort``); otherwise enough stages that none
    exceeds ``effort``.  ``max_nmos_m`` caps the last stage's NMOS width (NVSim's ``MaxNmosSize``, 100 F by
    default): a capped stage drives the rest of the load alone, slower but with bounded area and leakage.
    """
    wn0 = tech.w_min_m
    w_inv0 = wn0 * (1.0 + tech.pn_ratio)
    c_in0 = tech.c_gate(w_inv0)
    gamma = tech.c_drain(w_inv0) / c_in0
    r0 = tech.r_on(wn0)
    c_load = np.asarray(c_load, dtype=float)
    total = np.maximum(c_load / c_in0, 1.0)
    stages = np.round if rounded else np.ceil
    n = np.maximum(1.0, stages(np.log(total) / np.log(effort)))
    f = total ** (1.0 / n)
    # input capacitance of the last stage, in minimum inverters, and its cap
    last = f ** (n - 1.0)
    cap = max(max_nmos_m / wn0, 1.0)
    capped = last > cap
    last = np.minimum(last, cap)
    f_front = np.where(n > 1.0, last ** (1.0 / np.maximum(n - 1.0, 1.0)), 1.0)
    f_front = np.where(capped, f_front, f)
    h_last = np.where(capped, total / last, f)  # effort of the last stage
    t = LN2 * r0 * c_in0 * ((n - 1.0) * (f_front + gamma) + h_last + gamma) + ELMORE_DISTRIBUTED * r_wire * c_load
    sizes = np.where(f_front > 1.0 + 1e-9, (f_front ** n - 1.0) / np.maximum(f_front - 1.0, 1e-9), n)
    width = w_inv0 * sizes
    energy = (c_load + c_in0 * sizes * (1.0 + gamma)) * tech.vdd_V ** 2
    # an idle inverter leaks through its off device: half the chain's width on average (one of N or P is off),
    # or, as NVSim's OutputDriver counts it (CalculateGateLeakage of an INV), the wider of the two, the PMOS
    off_frac = tech.pn_ratio / (1.0 + tech.pn_ratio) if rounded else 0.5
    leak = off_frac * tech.i_off(width) * tech.vdd_V
    return t, energy, leak, width


def _nvsim_latency_driver(tech: TechNode, c_load, r_wire, max_nmos_m: float, max_stages: int = 9):
    """NVSim's latency-first OutputDriver behind a row-decoder NAND2, sized by NVSim's own rule.

    The NAND2 (its input capacitance and logical effort (2 + pn) / (1 + pn)) counts as the chain's first stage:
    with the path effort ``F = LE C_load / C_nand``, the inverters number ``round(log4 F) - 1`` made odd (the
    driver inverts), each stage has effort ``F^(1/(N+1))``, the last NMOS is ``C_load / f`` of gate (at most
    ``max_nmos_m``, the chain's effort recomputed then) and earlier stages shrink by ``f`` down to the minimum
    1.5 F device.  Leakage is each inverter's PMOS off-current (NVSim's INV leakage rule, W_P > W_N).  Returns
    (delay_s, energy_J, leak_W, width_m) like :func:`_chain_effort`; the NAND's own delay and leakage are counted
    by the caller.
    """
    pn, vdd = tech.pn_ratio, tech.vdd_V
    wmin = tech.w_min_m
    le = (2.0 + pn) / (1.0 + pn)
    c_nand = tech.c_gate(2.0 * wmin + pn * wmin)
    cg = tech.c_gate(1.0)  # F per metre of gate width
    c_load = np.asarray(c_load, dtype=float)
    f_path = np.maximum(1.0, le * c_load / c_nand)
    n = np.maximum(0.0, np.floor(np.log(f_path) / np.log(4.0) + 0.5) - 1.0)
    n = np.minimum(np.where(n % 2 == 0, n + 1.0, n), max_stages)  # an odd number of inverters
    f = f_path ** (1.0 / (n + 1.0))
    w_last = np.maximum(wmin, c_load / f / cg / (1.0 + pn))
    capped = w_last > max_nmos_m
    w_last = np.minimum(w_last, max_nmos_m)
    f = np.where(capped, (le * cg * (1.0 + pn) * max_nmos_m / c_nand) ** (1.0 / n), f)
    r0_w = tech.r_on(1.0)  # ohm x metre: r_on(w) = r0_w / w
    gamma = tech.c_drain(1.0) / cg
    width = np.zeros_like(c_load)
    t = np.zeros_like(c_load)
    e = c_load * vdd ** 2
    for i in range(max_stages):  # stage i counted from the last one back
        on = i < n
        w_i = np.where(on, np.maximum(wmin, w_last / f ** i), 0.0)
        w_next = np.where(i == 0, 0.0, np.maximum(wmin, w_last / f ** max(i - 1, 0)))
        load = np.where(i == 0, c_load, cg * (1.0 + pn) * w_next)
        t_i = LN2 * (r0_w / np.maximum(w_i, wmin)) * (load + gamma * cg * (1.0 + pn) * w_i)
        t = t + np.where(on, t_i, 0.0)
        width = width + w_i * (1.0 + pn)
        e = e + np.where(on, cg * (1.0 + pn) * w_i * (1.0 + gamma) * vdd ** 2, 0.0)
    t = t + ELMORE_DISTRIBUTED * r_wire * c_load
    leak = pn / (1.0 + pn) * tech.i_off(width) * vdd
    return t, e, leak, width
