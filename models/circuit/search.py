"""Design-space search: per-target optima of one array, cache composition, and Algorithm 1's EDAP choice.

As in NVSim, one pass over the organisation space yields the optimum for all eight targets at once
(strictly smaller wins; the first candidate in enumeration order wins ties), data and tag arrays are
optimised independently for the same target, and the cache is composed per access type (NVSim's
``CacheAccessMode``):

* Normal: tag and data in parallel, all ways of a set in one row, the hit way picked by the column muxes
  after the tag compare: ``hit = max(t_tag, t_data,mat) + t_data,H-tree``;
* Fast: tag and data in parallel, the whole set read out: ``hit = max(t_tag, t_data)``;
* Sequential: tag first, then only the hit way: ``hit = t_tag + t_data``;
* all: ``write = max(t_tag,write, t_data,write)``, energies and leakage and area add.

DeepNVM++ Algorithm 1 then keeps, for each technology and capacity, the design with the smallest
energy-delay-area product over all targets x access types.  The paper does not write out
``calculate(EDAP)``; nvmsim's default (``edap="rw"``) is (mean of read and write latency) x (mean of
read and write energy) x area, which over the eight targets x three access types lands closest to the
paper's Table II designs; ``edap="read"`` uses read latency x read energy x area.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from models.cells import Cell
from models.circuit import stock
from models.circuit.array import ArraySpec, evaluate, organisations, sram_bitline_currents
from models.circuit.calibration import DEFAULT, Calibration
from models.tech_row import Costs
from models.technology import TechNode

TARGETS = ("read_latency", "write_latency", "read_energy", "write_energy", "read_edp", "write_edp", "area",
           "leakage")
ACCESS_TYPES = ("normal", "fast", "sequential")
WRITE_CONVENTIONS = ("nvsim", "physical")


@dataclass(frozen=True, kw_only=True)
class Design(Costs):
    """One chosen array or cache design: its :class:`~models.tech_row.Costs` and how it is organised."""

    organization: str
    access_type: str
    target: str
    data_area_mm2: float = 0.0
    tag_area_mm2: float = 0.0
    candidates: int = 0

    @property
    def edap(self) -> float:
        return self.read_latency_ns * self.read_energy_nJ * self.area_mm2


def _metric(res: dict[str, np.ndarray], target: str) -> np.ndarray:
    if target == "read_edp":
        return res["read_latency_s"] * res["read_energy_J"]
    if target == "write_edp":
        return res["write_latency_s"] * res["write_energy_J"]
    if target == "area":
        return res["area_m2"]
    if target == "leakage":
        return res["leakage_W"]
    return res[f"{target}_{'s' if target.endswith('latency') else 'J'}"]


def array_optima(cell: Cell, tech: TechNode, spec: ArraySpec, targets=TARGETS, cal: Calibration = DEFAULT):
    """Evaluate every organisation of ``spec`` and return ``({target: index}, results, org)``."""
    max_rows = np.inf
    if not cell.is_sram and cell.access_type == "cmos":
        max_rows = tech.ion_n_uA_per_um / tech.ioff_uA_per_um
    elif cell.is_sram and cal.sram_bitline_leakage:
        # the unselected cells' leakage must stay below the read current, or no differential develops
        i_cell, i_leak = sram_bitline_currents(cell, tech)
        max_rows = 1.0 + i_cell / i_leak
    org = organisations(spec, max_rows)
    if org["rows"].size == 0 and spec.enforce_aspect is False:
        raise ValueError("no valid organisation")
    res = evaluate(cell, tech, spec, org, cal)
    valid = np.ones(org["rows"].shape, dtype=bool)
    if spec.enforce_aspect:
        aspect = np.maximum(res["width_m"], res["height_m"]) / np.minimum(res["width_m"], res["height_m"])
        valid &= aspect <= cal.max_bank_aspect
        if not valid.any():  # tiny arrays: relax the bank aspect rule rather than fail
            valid[:] = True
    if not valid.any():
        return {}, res, org
    best = {}
    for t in targets:
        m = np.where(valid, _metric(res, t), np.inf)
        best[t] = int(np.argmin(m))
    return best, res, org


def _describe(org, i: int, label: str) -> str:
    """One organisation of the fitted model in NVSim's report words (mats, subarrays, activation, mux)."""
    g = {k: int(v[i]) for k, v in org.items()}
    return (f"{label}: bank {g['mat_rows']} x {g['mat_cols']} mats ({g['active_mats']} active), mat "
            f"{g['sub_rows']} x {g['sub_cols']} subarrays ({g['sub_active']} active), subarray {g['rows']} rows x "
            f"{g['cols']} columns, senseamp mux {g['mux']}")


def _pick(res, i):
    return {k: float(v[i]) for k, v in res.items()}


def cache_specs(capacity_B: float, assoc: int, line_B: int, access: str, cal: Calibration = DEFAULT):
    """(data ArraySpec, tag ArraySpec) of a cache; ``access='ram'`` gives (data, None) for a plain RAM."""
    bits = capacity_B * 8.0
    block = int(line_B * 8)
    if access == "ram":
        words = max(capacity_B / line_B, 1.0)
        addr = int(math.ceil(math.log2(words)))
        return ArraySpec(bits, block, block, block, block, addr), None
    sets = capacity_B / (line_B * assoc)
    set_bits = int(math.ceil(math.log2(max(sets, 1.0))))
    tag_w = cal.address_bits - set_bits - int(math.log2(line_B)) + cal.status_bits
    if access == "normal":
        fold = 2 ** (2 * (int(math.log2(assoc)) // 3))  # NVSim: ways folded into the two output mux levels
        data = ArraySpec(bits, block, block * assoc, block * fold, block, set_bits + int(math.log2(assoc)))
    elif access == "fast":
        data = ArraySpec(bits, block * assoc, block * assoc, block * assoc, block, set_bits)
    elif access == "sequential":
        data = ArraySpec(bits, block, block, block, block, set_bits + int(math.log2(assoc)))
    else:
        raise ValueError(access)
    tag = ArraySpec(sets * assoc * tag_w, assoc * tag_w, assoc * tag_w, assoc * tag_w, tag_w, set_bits + tag_w,
                    is_tag=True, ways=assoc, enforce_aspect=False)
    return data, tag


def candidates(cell: Cell, tech: TechNode, capacity_B: float, *, assoc: int = 16, line_B: int = 128,
               access_types=ACCESS_TYPES, targets=TARGETS, mode: str = "cache", write_convention: str = "nvsim",
               cal: Calibration = DEFAULT) -> tuple[list[Design], int]:
    """Each target's design in each access type (``mode="ram"``: the RAM), and the number of organisations
    evaluated: ``targets`` is a sequence of :data:`TARGETS`; the designs' ``target`` and ``access_type`` say which."""
    if mode == "ram":
        access_types = ("ram",)
    tlist = tuple(targets)
    if cal.nvsim_model:
        return _stock_candidates(cell, tech, capacity_B, assoc, line_B, access_types, tlist, write_convention, cal)
    cands: list[Design] = []
    n_cand = 0
    for acc in access_types:
        dspec, tspec = cache_specs(capacity_B, assoc, line_B, acc, cal)
        dbest, dres, dorg = array_optima(cell, tech, dspec, tlist, cal)
        n_cand += dorg["rows"].size
        if not dbest:
            continue
        if tspec is not None:
            tbest, tres, torg = array_optima(cell, tech, tspec, tlist, cal)
            n_cand += torg["rows"].size
            if not tbest:
                continue
        for t in tlist:
            d = _pick(dres, dbest[t])
            desc = _describe(dorg, dbest[t], "data")
            div = 1.0
            if tspec is None:
                rl, wl = d["read_latency_s"], d["write_latency_s"]
                re_, we = d["read_energy_J"], d["write_energy_J"]
                leak, area = d["leakage_W"], d["area_m2"]
                tag_area = 0.0
            else:
                g = _pick(tres, tbest[t])
                desc += "; " + _describe(torg, tbest[t], "tag")
                if acc == "normal":
                    rl = max(g["read_latency_s"], d["mat_read_latency_s"]) + 2.0 * d["htree_latency_s"]
                elif acc == "fast":
                    rl = max(g["read_latency_s"], d["read_latency_s"])
                else:
                    rl = g["read_latency_s"] + d["read_latency_s"]
                wl = max(g["write_latency_s"], d["write_latency_s"])
                re_ = g["read_energy_J"] + d["read_energy_J"]
                we_data = d["write_energy_J"]
                if write_convention == "nvsim" and acc in ("normal", "fast"):
                    # NVSim divides the subarray write energy (decoders, bitlines and the cell SET/RESET
                    # energies) by the associativity in Normal and Fast modes, and in Fast mode the data
                    # H-tree write energy too (circuit_model reference, sections 2.4 and 4).
                    div = float(assoc)
                    saved = d["sub_write_energy_J"] * (1.0 - 1.0 / div)
                    if acc == "fast":
                        saved += d["tree_write_energy_J"] * (1.0 - 1.0 / div)
                    we_data = we_data - saved
                    # NVSim's SubArray::CalculatePower applies that division to every subarray of a Normal/Fast
                    # cache, the tag array's included (same cache-mode input parameters)
                    we_tag = g["write_energy_J"] - g["sub_write_energy_J"] * (1.0 - 1.0 / div)
                else:
                    we_tag = g["write_energy_J"]
                we = we_tag + we_data
                leak = g["leakage_W"] + d["leakage_W"]
                area = g["area_m2"] + d["area_m2"]
                tag_area = g["area_m2"]
            cands.append(Design(read_latency_ns=rl * 1e9, write_latency_ns=wl * 1e9, read_energy_nJ=re_ * 1e9,
                                write_energy_nJ=we * 1e9, leakage_mW=leak * 1e3, area_mm2=area * 1e6,
                                organization=desc, access_type=acc, target=t, data_area_mm2=d["area_m2"] * 1e6,
                                tag_area_mm2=tag_area * 1e6))
    return cands, n_cand


def design(cell: Cell, tech: TechNode, capacity_B: float, *, assoc: int = 16, line_B: int = 128,
           access_types=ACCESS_TYPES, targets="edap", mode: str = "cache", edap: str = "rw",
           write_convention: str = "nvsim", cal: Calibration = DEFAULT) -> Design:
    """The chosen design of one technology and capacity (see the module docstring for the rules)."""
    cands, n_cand = candidates(cell, tech, capacity_B, assoc=assoc, line_B=line_B, access_types=access_types,
                               targets=TARGETS if targets == "edap" else (targets,), mode=mode,
                               write_convention=write_convention, cal=cal)
    return choose(cands, n_cand, targets, edap)


def choose(cands: list[Design], n_cand: int, targets: str, edap: str) -> Design:
    """The target's design with the smallest target metric over the access types, or (``targets="edap"``) the
    design with the smallest EDAP over every target and access type."""
    if targets != "edap":
        cands = [c for c in cands if c.target == targets]
    if not cands:
        raise ValueError("no valid organisation for this capacity")
    if targets != "edap":
        key = {"read_latency": lambda c: c.read_latency_ns, "write_latency": lambda c: c.write_latency_ns,
               "read_energy": lambda c: c.read_energy_nJ, "write_energy": lambda c: c.write_energy_nJ,
               "read_edp": lambda c: c.read_latency_ns * c.read_energy_nJ,
               "write_edp": lambda c: c.write_latency_ns * c.write_energy_nJ,
               "area": lambda c: c.area_mm2, "leakage": lambda c: c.leakage_mW}[targets]
    elif edap == "rw":
        def key(c):
            return 0.25 * (c.read_latency_ns + c.write_latency_ns) * (c.read_energy_nJ + c.write_energy_nJ) * c.area_mm2
    else:
        def key(c):
            return c.edap
    best = min(cands, key=key)
    return dataclasses.replace(best, candidates=n_cand)


def _stock_candidates(cell: Cell, tech: TechNode, capacity_B: float, assoc: int, line_B: int, access_types, tlist,
                      write_convention: str, cal: Calibration) -> tuple[list[Design], int]:
    """The stock model's designs: NVSim's search (:func:`models.circuit.stock.array_search`) of the data array in
    each access type and of the tag array, each target's data and tag optima composed as NVSim's
    Result::printAsCache does (Normal: ``max(tag, data mat) + data column decoder + data H-tree``; Fast:
    ``max(tag, data)``; Sequential: ``tag + data``; writes ``max``; energies, leakage and areas add)."""
    cands: list[Design] = []
    n_cand = 0
    physical = write_convention == "physical"
    cache_access = [acc for acc in access_types if acc != "ram"]
    tag_runs = stock.tag_searches(cell, tech, capacity_B, line_B, assoc, cache_access, cal=cal,
                                  physical=physical) if cache_access else {}
    for acc in access_types:
        data, n, _ = stock.array_search(cell, tech, capacity_B, line_B, assoc, acc, cal=cal, physical=physical)
        n_cand += n
        tags = None
        if acc != "ram":
            tags, n_tag = tag_runs[acc]
            n_cand += n_tag
        for t in tlist:
            key = stock.NVSIM_TARGET_OF[t]
            if key not in data or (tags is not None and key not in tags):
                continue
            d = data[key]
            if tags is None:
                rl, wl, re_, we = d.read_latency, d.write_latency, d.read_energy, d.write_energy
                leak, area, tag_area, desc = d.leakage, d.area, 0.0, d.describe("data")
            else:
                g = tags[key]
                tree = d.read_latency - d.mat_read_latency
                if acc == "normal":
                    rl = max(g.read_latency, d.mat_read_latency) + d.column_decoder_latency + tree
                elif acc == "fast":
                    rl = max(g.read_latency, d.read_latency)
                else:
                    rl = g.read_latency + d.read_latency
                wl = max(g.write_latency, d.write_latency)
                re_, we = g.read_energy + d.read_energy, g.write_energy + d.write_energy
                leak, area, tag_area = g.leakage + d.leakage, g.area + d.area, g.area
                desc = d.describe("data") + "; " + g.describe("tag")
            cands.append(Design(read_latency_ns=rl * 1e9, write_latency_ns=wl * 1e9, read_energy_nJ=re_ * 1e9,
                                write_energy_nJ=we * 1e9, leakage_mW=leak * 1e3, area_mm2=area * 1e6,
                                organization=desc, access_type=acc, target=t, data_area_mm2=d.area * 1e6,
                                tag_area_mm2=tag_area * 1e6))
    return cands, n_cand
