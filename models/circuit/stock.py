"""The stock model's search: NVSim's organisation space (:mod:`.nvsim_space`) with NVSim's mats (:mod:`.nvsim_mat`).

:func:`array_search` builds one array's space as NVSim's main.cpp does for a RAM, a cache's data array in one access
type, or a cache's tag array, evaluates its distinct mats once and returns, for each of NVSim's eight targets, the
design NVSim's rule picks (strictly smaller wins, the first in NVSim's search order keeps a tie) with its bank
metrics and its organisation in NVSim's words.  Results are cached per (cell, node, array), so the three access
types of a cache share their tag array's space and a Sequential cache's data array is the RAM of the same word.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from models.cells import Cell
from models.circuit import nvsim_mat, nvsim_wire
from models.circuit.calibration import Calibration
from models.circuit.nvsim_space import (
    BANK_METRICS,
    BANK_ORG,
    MAT_FIELDS,
    NVSIM_TARGETS,
    Space,
    SpaceSpec,
    mat_shape,
    walk_levels,
)
from models.technology import TechNode

ACCESS_MODES = ("ram", "sequential", "normal", "fast")
#: nvmsim's target names -> NVSim's (:data:`models.circuit.nvsim_space.NVSIM_TARGETS` order)
NVSIM_TARGET_OF = {t: t for t in NVSIM_TARGETS}


@dataclass(frozen=True)
class StockDesign:
    """One array design NVSim's search picks: bank metrics (SI units) and organisation."""

    read_latency: float
    write_latency: float
    read_energy: float
    write_energy: float
    leakage: float
    area: float
    height: float
    width: float
    mat_read_latency: float
    column_decoder_latency: float
    org: dict

    def describe(self, label: str = "") -> str:
        """The organisation in NVSim's report words (its CONFIGURATION block, on one line)."""
        g = self.org
        head = f"{label}: " if label else ""
        extra = (", balanced buffers" if g["style"] == 1 else "") + (f", {g['wire']} global wires" if g.get("wire")
                                                                     else "")
        return (f"{head}bank {g['mat_rows']} x {g['mat_cols']} mats (row activation {g['act_mat_rows']}/"
                f"{g['mat_rows']}, column activation {g['act_mat_cols']}/{g['mat_cols']}), mat {g['sub_rows']} x "
                f"{g['sub_cols']} subarrays (row activation {g['act_sub_rows']}/{g['sub_rows']}, column activation "
                f"{g['act_sub_cols']}/{g['sub_cols']}), subarray {g['rows']} rows x {g['cols']} columns, senseamp mux "
                f"{g['mux_sa']}, output mux {g['mux_l1']} / {g['mux_l2']}{extra}")


def _tag_bits(capacity_B: float, line_B: int, assoc: int, cal: Calibration) -> tuple[float, int]:
    sets = capacity_B / (line_B * assoc)
    index = int(math.ceil(math.log2(max(sets, 1.0)) - 1e-9))
    return sets, cal.address_bits - index - int(math.log2(line_B)) + cal.status_bits


def space_spec(cell: Cell, tech: TechNode, capacity_B: float, line_B: int, assoc: int, access: str, tag: bool,
               cal: Calibration) -> SpaceSpec:
    """The :class:`SpaceSpec` main.cpp builds: a RAM (``access='ram'``) or a cache's data array in ``access``, or its
    tag array (``tag``; ``access`` then only sets the column rule)."""
    if access not in ACCESS_MODES:
        raise ValueError(access)
    bits = capacity_B * 8.0
    word = line_B * 8
    h_cell, w_cell = nvsim_mat.cell_geometry(cell, tech)
    min_cols = assoc if access in ("normal", "fast") else 0
    max_rows = math.inf
    if not cell.is_sram and cell.access_type == "cmos":
        max_rows = tech.ion_n_uA_per_um / tech.ioff_uA_per_um  # BITLINE_LEAKAGE_TOLERANCE = 1
    min_sa = 2.0 * tech.F_m / w_cell  # SenseAmp: a pitch of at most 2 F cannot be laid out
    if cal.htree_repeaters and not tag:  # a repeated H-tree (the tag's search starts from unrepeated wires)
        w = nvsim_wire.repeated(tech)
        rep = dict(wire_pitch=w.pitch, wire_share=float(w.share))
    else:
        rep = {}
    if tag:
        sets, tag_w = _tag_bits(capacity_B, line_B, assoc, cal)
        return SpaceSpec(sets=sets, block_bits=tag_w, ways=assoc, tag=True, min_cols=min_cols, max_rows=max_rows,
                         min_sa_mux=min_sa, max_mat_log=6, max_mux_log=6, styles=(0, 1))
    if access == "normal":
        return SpaceSpec(sets=bits / word / assoc, block_bits=word, ways=assoc, min_cols=min_cols, max_rows=max_rows,
                         min_sa_mux=min_sa, **rep)
    if access == "fast":
        return SpaceSpec(sets=bits / word / assoc, block_bits=word * assoc, ways=1, min_cols=min_cols,
                         max_rows=max_rows, min_sa_mux=min_sa, **rep)
    return SpaceSpec(sets=bits / word, block_bits=word, ways=1, min_cols=min_cols, max_rows=max_rows,
                     min_sa_mux=min_sa, **rep)


def _space(spec: SpaceSpec) -> Space:
    """The space of ``spec``, shared by every capacity of its power-of-two bracket: the fill factor enters the space
    only through the largest row count the bitline-leakage rule allows, recast here for the full bracket."""
    max_rows = spec.max_rows
    if math.isfinite(max_rows):
        l_max = -1
        while math.ceil(2.0 ** (l_max + 1) * spec.fill - 1e-9) <= max_rows:
            l_max += 1
        max_rows = 2.0 ** l_max if l_max >= 0 else 0.0
    return _space_cached(dataclasses.replace(spec, sets=2.0 ** spec.n_addr, max_rows=max_rows))


@lru_cache(maxsize=64)
def _space_cached(spec: SpaceSpec) -> Space:
    return Space(spec)


@lru_cache(maxsize=64)
def _mats(cell: Cell, tech: TechNode, spec: SpaceSpec, max_nmos_F: float):
    """The mats of ``spec``'s space evaluated: (:data:`MAT_METRICS` array, the evaluation's parts)."""
    space = _space(spec)
    met = nvsim_mat.mats(cell, tech, max_nmos_F * tech.F_m, space.table, fill=spec.fill, tag=spec.tag)
    return met["metrics"], met


def _org(space: Space, best_row, spec: SpaceSpec, parts) -> dict:
    _, lmr, lmc, lamc, lamr, mi = (int(x) for x in best_row)
    t = {k: int(v[mi]) for k, v in space.table.items()}
    return {"mat_rows": 2 ** lmr, "mat_cols": 2 ** lmc, "act_mat_rows": 2 ** lamr, "act_mat_cols": 2 ** lamc,
            "sub_rows": 2 ** t["l_sub_rows"], "sub_cols": 2 ** t["l_sub_cols"],
            "act_sub_rows": 2 ** t["l_act_sub_rows"], "act_sub_cols": 2 ** t["l_act_sub_cols"],
            "rows": int(parts["rows"][mi]), "cols": t["cols"], "mux_sa": 2 ** t["l_mux_sa"],
            "mux_l1": 2 ** t["l_mux_l1"], "mux_l2": 2 ** t["l_mux_l2"], "style": t["style"], "mat": mi}


@dataclass(frozen=True)
class _Search:
    """One array's search set up: its spec, its (shared) space and evaluated mats, and the settings of its run."""

    spec: SpaceSpec
    space: Space
    met: np.ndarray
    parts: dict
    beta: float  # the divisor of the H-tree's write energy (a Fast cache's associativity)
    write_div: float  # the divisor of the cells' write energy (a Normal / Fast cache's associativity)
    data_wire: nvsim_wire.Wire
    wire: dict  # the search's wire and aspect settings (:meth:`Space.search`)

    @property
    def variant(self) -> tuple[float, float, int]:
        return self.beta, self.write_div, self.spec.min_cols


def _prepare(cell: Cell, tech: TechNode, capacity_B: float, line_B: int, assoc: int, access: str, tag: bool,
             cal: Calibration, physical: bool) -> _Search:
    spec = space_spec(cell, tech, capacity_B, line_B, assoc, access, tag, cal)
    if tag:  # one tag space for the three access types: the column rule is applied in the search
        spec_shared = SpaceSpec(**{**spec.__dict__, "min_cols": 0})
    else:
        spec_shared = spec
    space = _space(spec_shared)
    cache_mode = access in ("normal", "fast") and not physical
    write_div = float(assoc) if cache_mode else 1.0  # SubArray: a Normal / Fast cache's cell writes / assoc
    met, parts = _mats(cell, tech, spec_shared, cal.max_nmos_F)
    r, c = tech.wire("global")
    beta = float(assoc) if access == "fast" and not physical else 1.0  # BankWithHtree: Fast H-tree writes / assoc
    data_wire = nvsim_wire.repeated(tech) if spec.wire_pitch > 0 else nvsim_wire.FULL_SWING
    wire = dict(wire_rc=2.3 * r * c / 2.0, wire_cv2=c * tech.vdd_V ** 2, max_aspect=0.0 if tag else cal.max_bank_aspect,
                repeated_unit=data_wire.unit)
    return _Search(spec, space, met, parts, beta, write_div, data_wire, wire)


def _designs(tech: TechNode, s: _Search, best, cal: Calibration) -> dict:
    """Each target's :class:`StockDesign` from the search's ``best`` rows."""
    designs = {}
    for t, target in enumerate(NVSIM_TARGETS):
        if best[t, 0] < 0:
            continue
        org = _org(s.space, best[t], s.spec, s.parts)
        d = _bank(tech, s.met, s.parts, org, best[t], s.spec, s.beta, s.data_wire, write_div=s.write_div)
        if s.spec.tag:
            # NVSim's wire refinement of each target's tag winner (main.cpp, in its order): the low-swing and the
            # repeated global wire, each kept if strictly better on the target
            for name, wire in (("low-swing", nvsim_wire.LOW_SWING), ("repeated", nvsim_wire.repeated(tech))):
                alt = _bank(tech, s.met, s.parts, org, best[t], s.spec, s.beta, wire, cal.max_nmos_F,
                            write_div=s.write_div)
                if _target_value(alt, target) < _target_value(d, target):
                    d = dataclasses.replace(alt, org={**org, "wire": name})
        designs[target] = d
    return designs


def array_search(cell: Cell, tech: TechNode, capacity_B: float, line_B: int, assoc: int, access: str, *,
                 tag: bool = False, cal: Calibration, dump: bool = False, physical: bool = False):
    """NVSim's eight optima of one array: ({target: :class:`StockDesign`}, number of designs NVSim keeps, dump).

    ``access``: "ram", or the cache's access type ("sequential", "normal", "fast"); ``tag`` the cache's tag array.
    ``dump`` also returns every kept design's bank metrics and organisation (a dict of arrays, NVSim's search order).
    ``physical``: every written bit of a Normal / Fast cache pays its cell write energy (NVSim divides it, and a Fast
    cache's H-tree write energy, by the associativity).
    """
    s = _prepare(cell, tech, capacity_B, line_B, assoc, access, tag, cal, physical)
    best, out = s.space.search(s.met, write_beta=s.beta, min_cols=s.spec.min_cols, cell_write_div=s.write_div,
                               dump=dump, **s.wire)
    dumped = None
    if dump:
        dumped = {k: out[:, i] for i, k in enumerate(BANK_METRICS + BANK_ORG)}
    return _designs(tech, s, best, cal), s.space.kept, dumped


def tag_searches(cell: Cell, tech: TechNode, capacity_B: float, line_B: int, assoc: int, accesses, *,
                 cal: Calibration, physical: bool = False) -> dict:
    """:func:`array_search` of the tag array in each of the cache access types ``accesses``, in one pass over
    their shared space (the runs differ only in the column rule and the write-energy divisions):
    ``{access: (designs, number of designs NVSim keeps)}``, the same as one search per access type."""
    runs = [_prepare(cell, tech, capacity_B, line_B, assoc, a, True, cal, physical) for a in accesses]
    first = runs[0]
    if any(r.space is not first.space or r.met is not first.met or r.wire != first.wire for r in runs):
        # (not with space_spec's tag rule; kept so that a change there cannot mix two spaces' designs)
        return {a: array_search(cell, tech, capacity_B, line_B, assoc, a, tag=True, cal=cal, physical=physical)[:2]
                for a in accesses}
    bests, kept = first.space.search_variants(first.met, [r.variant for r in runs], **first.wire)
    return {a: (_designs(tech, r, b, cal), k) for a, r, b, k in zip(accesses, runs, bests, kept, strict=True)}


def _target_value(d: StockDesign, target: str) -> float:
    return {"read_latency": d.read_latency, "write_latency": d.write_latency, "read_energy": d.read_energy,
            "write_energy": d.write_energy, "read_edp": d.read_latency * d.read_energy,
            "write_edp": d.write_latency * d.write_energy, "leakage": d.leakage, "area": d.area}[target]


def htree(tech: TechNode, spec: SpaceSpec, lmr: int, lmc: int, lamc: int, lamr: int, h_mat: float, w_mat: float,
          bcast: int, wire: nvsim_wire.Wire, max_nmos_F: float = 100.0):
    """A bank's H-tree with ``wire`` (BankWithHtree::CalculateArea / CalculateLatencyAndPower): (bank height, width,
    one-way delay, energy per access before the Fast cache's write division, leakage).  Repeated wires widen the bank
    by their pitch per level and lengthen the levels above."""
    dist0 = spec.ways if spec.tag else spec.block_bits
    _, _, _, addr_h, dist_h, act_h, num_h, wires_h, addr_v, dist_v, act_v, num_v, wires_v = walk_levels(
        lmc, lmr, 2 ** lamc, 2 ** lamr, spec.n_addr, dist0, bcast)
    bits_h = [int(addr_h[i] + dist_h[i]) + bcast for i in range(lmc)]
    bits_v = [int(addr_v[j] + dist_v[j]) + bcast for j in range(lmr)]
    pitch, share = wire.pitch, max(wire.share, 1.0)
    height = h_mat * 2 ** lmr + sum(math.ceil(bits_h[i] * wires_h[i] / share) * pitch for i in range(lmc))
    width = w_mat * 2 ** lmc + sum(math.ceil(bits_v[j] * wires_v[j] / share) * pitch for j in range(lmr))
    len_h, len_v = [0.0] * lmc, [0.0] * lmr
    h, v = lmc - 1, lmr - 1
    while v > h:
        len_v[v] = h_mat / 2.0 if v == lmr - 1 else len_v[v + 1] * 2.0
        v -= 1
    while v >= 0:
        if v == lmr - 1:
            len_v[v] = h_mat / 2.0
        elif h == lmc - 1:
            len_v[v] = len_v[v + 1] * 2.0
        else:
            len_v[v] = len_v[v + 1] * 2.0 + math.ceil(bits_h[h + 1] / share) * pitch / 2.0
        if h == lmc - 1:
            len_h[h] = w_mat + sum(math.ceil(bits_v[i] / share) * pitch / 2.0 for i in range(v, lmr))
        else:
            len_h[h] = len_h[h + 1] * 2.0 + math.ceil(bits_v[v] / share) * pitch / 2.0
        v -= 1
        h -= 1
    while h >= 0:
        len_h[h] = w_mat if h == lmc - 1 else len_h[h + 1] * 2.0
        h -= 1
    t_tree = e_tree = leak_tree = 0.0
    for lengths, bits, act, num in ((len_h, bits_h, act_h, num_h), (len_v, bits_v, act_v, num_v)):
        for i, length in enumerate(lengths):
            t, e, lk = wire.at(tech, length, max_nmos_F)
            t_tree += t
            e_tree += e * act[i] * bits[i]
            leak_tree += lk * num[i] * bits[i]
    return height, width, t_tree, e_tree, leak_tree


def _bank(tech: TechNode, met, parts, org, best_row, spec: SpaceSpec, beta, wire: nvsim_wire.Wire,
          max_nmos_F: float = 100.0, bcast: int | None = None, write_div: float = 1.0) -> StockDesign:
    """A chosen design's bank metrics with the H-tree's global ``wire``, level by level as NVSim sums them
    (``bcast``: the bits broadcast on the tree, if not read from the space's mat table)."""
    _, lmr, lmc, lamc, lamr, mi = (int(x) for x in best_row)
    hm, wm, t_r, t_w, e_r, e_w, leak, e_cell = met[mi]
    e_w = e_w + e_cell / write_div
    if bcast is None:
        space = _space(SpaceSpec(**{**spec.__dict__, "min_cols": 0}) if spec.tag else spec)
        bcast = int(space.table["mat_block"][mi]) if spec.tag else int(math.log2(spec.ways))
    bc = bcast
    height, width, t_tree, e_tree, leak_tree = htree(tech, spec, lmr, lmc, lamc, lamr, hm, wm, bc, wire, max_nmos_F)
    act = 2.0 ** (lamc + lamr)
    return StockDesign(read_latency=t_r + 2.0 * t_tree, write_latency=t_w + t_tree, read_energy=e_r * act + e_tree,
                       write_energy=e_w * act + e_tree / beta, leakage=leak * 2.0 ** (lmr + lmc) + leak_tree,
                       area=height * width, height=height, width=width, mat_read_latency=t_r,
                       column_decoder_latency=parts["parts"]("t_col", mi), org=org)


def evaluate_organisation(cell: Cell, tech: TechNode, capacity_B: float, line_B: int, assoc: int, access: str,
                          org: dict, *, tag: bool = False, cal: Calibration, physical: bool = False) -> StockDesign:
    """The stock model's bank metrics of one organisation given in NVSim's words (``org``: ``mat_rows``,
    ``mat_cols``, ``act_mat_rows``, ``act_mat_cols``, ``sub_rows``, ``sub_cols``, ``act_sub_rows``, ``act_sub_cols``,
    ``mux_sa``, ``mux_l1``, ``mux_l2``, optionally ``style`` and ``wire``, as :func:`models.nvsim_io.read_nvsim_arrays`
    reads them from a report), e.g. to evaluate the design NVSim chose.  Raises ``ValueError`` if NVSim would not
    keep it (before the bank aspect rule)."""
    spec = space_spec(cell, tech, capacity_B, line_B, assoc, access, tag, cal)
    lg = {k: int(round(math.log2(org[k]))) for k in ("mat_rows", "mat_cols", "act_mat_rows", "act_mat_cols",
                                                       "sub_rows", "sub_cols", "act_sub_rows", "act_sub_cols",
                                                       "mux_sa", "mux_l1", "mux_l2")}
    dist0 = spec.ways if spec.tag else spec.block_bits
    bcast0 = 0 if spec.tag else int(math.log2(spec.ways))
    ok, addr, dist, *_ = walk_levels(lg["mat_cols"], lg["mat_rows"], 2 ** lg["act_mat_cols"],
                                     2 ** lg["act_mat_rows"], spec.n_addr, dist0, bcast0)
    if ok and spec.tag and dist == 0:
        ok = False
    mat = mat_shape(addr, dist, lg["act_mat_cols"] + lg["act_mat_rows"], lg["sub_rows"], lg["sub_cols"],
               lg["act_sub_cols"], lg["act_sub_rows"], lg["mux_sa"], lg["mux_l1"], lg["mux_l2"], spec.block_bits,
               spec.ways, spec.tag) if ok else (False,)
    if not mat[0]:
        raise ValueError(f"not an organisation NVSim keeps for this array: {org}")
    _, l_rows, cols, lsa_e, ll1_e, ll2_e, pred, ways_mat, mat_block = mat
    table = {k: np.array([v]) for k, v in zip(MAT_FIELDS, (
        l_rows, cols, lsa_e, ll1_e, ll2_e, int(org.get("style", 0)), lg["sub_rows"], lg["sub_cols"],
        lg["act_sub_cols"], lg["act_sub_rows"], pred, ways_mat, mat_block, lg["mux_sa"], lg["mux_l1"],
        lg["mux_l2"], 0), strict=True)}
    parts = nvsim_mat.mats(cell, tech, cal.max_nmos_F * tech.F_m, table, fill=spec.fill, tag=spec.tag)
    met = parts["metrics"]
    write_div = float(assoc) if access in ("normal", "fast") and not physical else 1.0
    beta = float(assoc) if access == "fast" and not physical else 1.0
    wire = {"low-swing": nvsim_wire.LOW_SWING, "repeated": nvsim_wire.repeated(tech)}.get(
        org.get("wire") or ("repeated" if spec.wire_pitch > 0 else ""), nvsim_wire.FULL_SWING)
    out = {k: org[k] for k in ("mat_rows", "mat_cols", "act_mat_rows", "act_mat_cols", "sub_rows", "sub_cols",
                               "act_sub_rows", "act_sub_cols", "mux_sa", "mux_l1", "mux_l2")}
    out |= {"rows": int(parts["rows"][0]), "cols": int(cols), "style": int(org.get("style", 0)), "mat": 0}
    if org.get("wire"):
        out["wire"] = org["wire"]
    row = np.array([-1, lg["mat_rows"], lg["mat_cols"], lg["act_mat_cols"], lg["act_mat_rows"], 0])
    return _bank(tech, met, parts, out, row, spec, beta, wire, cal.max_nmos_F, bcast=mat_block if spec.tag else
                 bcast0, write_div=write_div)
