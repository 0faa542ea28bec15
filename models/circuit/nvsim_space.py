"""NVSim's organisation space: every design its search loop tries, in its order, and the ones it keeps.

NVSim (github:SEAL-UCSB/NVSim, main.cpp and macros.h ``BIGFOR``) tries, for one array, every power-of-two choice of
(outermost first)

1. mats in the bank: rows ``mat_rows`` and columns ``mat_cols`` (1..512; a cache's tag array 1..64);
2. active mats: along a row (``act_mat_cols``, NVSim's ``numActiveMatPerRow``, printed "Column Activation") and
   along a column (``act_mat_rows``, "Row Activation");
3. subarrays per mat: rows ``sub_rows`` and columns ``sub_cols`` (1..2), active along a row (``act_sub_cols``)
   and a column (``act_sub_rows``);
4. column-mux degrees: bitlines per sense amplifier ``mux_sa`` and the two output levels ``mux_l1``, ``mux_l2``
   (1..256; tag 1..64);
5. the buffer style of the subarray decoders (the data array's from the configuration, latency-first in every
   run here; the tag array tries them all).

A design's subarray follows from these and the capacity (the rows and columns are not searched): the H-tree walk
from the bank's centre to the mats (BankWithHtree::Initialize) halves the word at each branching where more than one
mat is active in that direction and otherwise spends an address bit; the mat spends the bits that gate its inactive
subarrays; what is left gives ``rows = 2^bits x ways / (mux_sa mux_l1 mux_l2)`` and ``columns = bits per active
subarray x mux_sa mux_l1 mux_l2`` (Mat::Initialize).  A cache's Normal-mode data array keeps a set's ways in one row
and folds the way selection into the muxes (x2 / x2 / x4 for 16 ways); a tag array spreads the ways over the active
mats, broadcasts the tag to them and pads it to a multiple of the active subarrays (main.cpp).

Kept are the designs NVSim keeps (``!bank->invalid``): the walk and the mat leave at least one address bit and one
data bit (BankWithHtree, Mat "too aggressive partitioning"), a tag mat holds a whole way, rows and columns are not
zero, the row predecoder has a non-negative number of bits, a Normal / Fast cache has at least ``assoc`` columns
(SubArray), a resistive cell with a CMOS access device has no more rows than the access device's on/off current
ratio (bitline leakage), and the sense amplifier's pitch (``mux_sa`` cell widths) exceeds 2 F (SenseAmp).  The bank
aspect ratio limit (a data bank at most 3:1, BankWithHtree::CalculateArea) needs the areas and is applied by the
caller.

Capacities that are not a power of two (NVSim aborts on them) get the space of the next power of two with every
subarray's rows scaled by the fill factor (rounded up), so a 3 MB array is searched like a 4 MB one three quarters
full; at powers of two the space is NVSim's, design for design.

The enumeration is a Numba kernel (NVSim's loop is ~20 M trials for a data array, most rejected by the walk or the
row count before any circuit is evaluated); the caller evaluates each distinct subarray once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

#: columns of the mat table (:func:`mat_table`): one row per distinct mat (its subarrays' shape, mux degrees, buffer
#: style and activation), everything the circuit model needs to evaluate it
MAT_FIELDS = ("l_rows", "cols", "l_sa_eff", "l_l1_eff", "l_l2_eff", "style", "l_sub_rows", "l_sub_cols",
              "l_act_sub_cols", "l_act_sub_rows", "pred_bits", "ways_mat", "mat_block", "l_mux_sa", "l_mux_l1",
              "l_mux_l2", "sub_key")
N_MAT_FIELDS = len(MAT_FIELDS)
#: columns of a mat's evaluation handed to :func:`search_kernel` (SI units)
MAT_METRICS = ("height", "width", "read_latency", "write_latency", "read_energy", "write_energy", "leakage",
               "write_energy_cell")
#: the eight optimisation targets in NVSim's enum order (Result.cpp compareAndUpdate)
NVSIM_TARGETS = ("read_latency", "write_latency", "read_energy", "write_energy", "read_edp", "write_edp", "leakage",
                 "area")
#: per-design bank metrics written by the search kernel (SI units), and the organisation beside them
BANK_METRICS = ("read_latency", "write_latency", "read_energy", "write_energy", "leakage", "area", "height", "width",
                "mat_read_latency")
BANK_ORG = ("l_mat_rows", "l_mat_cols", "l_act_mat_cols", "l_act_mat_rows", "mat")


@dataclass(frozen=True)
class SpaceSpec:
    """One NVSim array search, as main.cpp hands it to the bank.

    ``sets``: rows of blocks the array addresses (``capacity / block / associativity``; NVSim's ``2^numAddressBit``),
    may be fractional above a power of two (see the module docstring).  ``block_bits``: the word (data: a line, a
    Fast cache's whole set; tag: the unpadded tag width).  ``ways``: the ways the bank sees (Normal data array and
    tag array: the associativity; Sequential / Fast data and RAM: 1).  ``tag``: NVSim's tag-array rules.
    ``min_cols``: a Normal / Fast cache's ``assoc`` (SubArray's column rule, data and tag alike), else 0.
    ``max_rows``: the bitline-leakage row limit (inf for SRAM).  ``min_sa_mux``: the sense amplifier's pitch rule,
    as the largest bitlines-per-sense-amplifier count whose pitch is still <= 2 F.  ``max_mat_log`` /
    ``max_mux_log``: log2 of the largest mat count per side and mux degree (9 / 8 for data, 6 / 6 for tags).
    ``styles``: buffer styles tried (0 latency-first, 1 balanced).  ``wire_pitch`` / ``wire_share``: a repeated
    global wire's pitch and bundles per repeater row (0: unrepeated).
    """

    sets: float
    block_bits: int
    ways: int
    tag: bool = False
    min_cols: int = 0
    max_rows: float = math.inf
    min_sa_mux: float = 0.0
    max_mat_log: int = 9
    max_mux_log: int = 8
    styles: tuple[int, ...] = (0,)
    wire_pitch: float = 0.0
    wire_share: float = 1.0

    @property
    def n_addr(self) -> int:
        return max(int(math.ceil(math.log2(self.sets) - 1e-9)), 0)

    @property
    def fill(self) -> float:
        return self.sets / 2.0 ** self.n_addr


@njit(cache=True)
def _ilog2(x):
    n = 0
    while x > 1:
        x //= 2
        n += 1
    return n


@njit(cache=True)
def walk_levels(lh, lv, col_active, row_active, addr, dist, bcast):
    """BankWithHtree::Initialize's H-tree walk over ``2^lv x 2^lh`` mats with ``col_active`` mats active along a row
    and ``row_active`` along a column, from ``addr`` address bits, ``dist`` distributed and ``bcast`` broadcast data
    bits: (valid, address bits left, distributed bits left, and per horizontal level (top first) the routed address
    and distributed bits, the active wires, all wires and the wire bundles side by side, the same per vertical
    level)."""
    addr_h = np.zeros(max(lh, 1), np.int64)
    dist_h = np.zeros(max(lh, 1), np.int64)
    act_h = np.zeros(max(lh, 1), np.int64)
    num_h = np.zeros(max(lh, 1), np.int64)
    addr_v = np.zeros(max(lv, 1), np.int64)
    dist_v = np.zeros(max(lv, 1), np.int64)
    act_v = np.zeros(max(lv, 1), np.int64)
    num_v = np.zeros(max(lv, 1), np.int64)
    wires_h = np.zeros(max(lh, 1), np.int64)
    wires_v = np.zeros(max(lv, 1), np.int64)
    h_temp = 1
    v_temp = 1
    h = lh
    v = lv
    ok = True
    if h > 0:  # the first horizontal level carries everything and spends nothing
        if dist + bcast == 0 or addr == 0:
            ok = False
        addr_h[0] = addr
        dist_h[0] = dist
        act_h[0] = 1
        num_h[0] = 1
        wires_h[0] = 1
        h -= 1
    while ok and h > v:
        if dist + bcast == 0 or addr == 0:
            ok = False
            break
        i = lh - h
        if col_active > 1:
            dist //= 2
            col_active //= 2
            act_h[i] = 2 * act_h[i - 1]
        else:
            addr -= 1
            act_h[i] = act_h[i - 1]
        addr_h[i] = addr
        dist_h[i] = dist
        num_h[i] = 2 * num_h[i - 1]
        wires_h[i] = 1
        h -= 1
        v_temp *= 2
    while ok and v > h:
        if dist + bcast == 0 or addr == 0:
            ok = False
            break
        j = lv - v
        if row_active > 1:
            dist //= 2
            row_active //= 2
            act_v[j] = 2 if v == lv else 2 * act_v[j - 1]
        else:
            addr -= 1
            act_v[j] = 1 if v == lv else act_v[j - 1]
        addr_v[j] = addr
        dist_v[j] = dist
        num_v[j] = 2 if v == lv else 2 * num_v[j - 1]
        wires_v[j] = 1
        v -= 1
        h_temp *= 2
    while ok and h > 0:
        if dist + bcast == 0 or addr == 0:
            ok = False
            break
        i = lh - h
        j = lv - v
        prev = act_h[i - 1] if v == lv else act_v[j - 1]
        if col_active > 1:
            dist //= 2
            col_active //= 2
            act_h[i] = 2 * prev
        else:
            addr -= 1
            act_h[i] = prev
        addr_h[i] = addr
        dist_h[i] = dist
        num_h[i] = 2 * (num_h[i - 1] if v == lv else num_v[j - 1])
        wires_h[i] = h_temp
        if dist + bcast == 0 or addr == 0:
            ok = False
            break
        if row_active > 1:
            dist //= 2
            row_active //= 2
            act_v[j] = 2 * act_h[i]
        else:
            addr -= 1
            act_v[j] = act_h[i]
        addr_v[j] = addr
        dist_v[j] = dist
        num_v[j] = 2 * num_h[i]
        wires_v[j] = v_temp if lh == 2 else 2 * v_temp
        h -= 1
        v -= 1
        h_temp *= 2
        v_temp *= 2
    if ok and (dist + bcast == 0 or addr == 0):
        ok = False
    if ok:
        if col_active > 1:  # the deferred step of the first horizontal level
            dist //= 2
        elif lh > 0:
            addr -= 1
    return ok, addr, dist, addr_h, dist_h, act_h, num_h, wires_h, addr_v, dist_v, act_v, num_v, wires_v


@njit(cache=True)
def _walk(lh, lv, col_active, row_active, addr, dist, bcast):
    """:func:`walk_levels` reduced to what the search needs: (valid, address bits left, distributed bits left, and
    the sums that weight the H-tree's energy: over the horizontal levels, active wires x (address + distributed
    bits) x length in mat widths, and active wires x length; the same over the vertical levels in half mat
    heights)."""
    ok, addr, dist, addr_h, dist_h, act_h, _, _, addr_v, dist_v, act_v, _, _ = walk_levels(
        lh, lv, col_active, row_active, addr, dist, bcast)
    if not ok:
        return False, 0, 0, 0.0, 0.0, 0.0, 0.0
    s1h = 0.0
    s0h = 0.0
    for i in range(lh):
        length = 2.0 ** (lh - 1 - i)
        s1h += act_h[i] * (addr_h[i] + dist_h[i]) * length
        s0h += act_h[i] * length
    s1v = 0.0
    s0v = 0.0
    for j in range(lv):
        length = 2.0 ** (lv - 1 - j)
        s1v += act_v[j] * (addr_v[j] + dist_v[j]) * length
        s0v += act_v[j] * length
    return True, addr, dist, s1h, s0h, s1v, s0v


@njit(cache=True)
def _repeated_tree(lh, lv, col_active, row_active, addr, dist, bcast, pitch, share, out):
    """A repeated-wire H-tree's layout and per-metre weights (BankWithHtree::CalculateArea with the repeaters' pitch):
    ``out`` = (extra bank height, extra width, then three (coefficient of the mat width, of the mat height, constant)
    triples: the sum of the level lengths, of active wires x routed bits x length, of all wires x routed bits x
    length)."""
    _, _, _, addr_h, dist_h, act_h, num_h, wires_h, addr_v, dist_v, act_v, num_v, wires_v = walk_levels(
        lh, lv, col_active, row_active, addr, dist, bcast)
    bits_h = np.zeros(max(lh, 1))
    bits_v = np.zeros(max(lv, 1))
    for i in range(lh):
        bits_h[i] = addr_h[i] + dist_h[i] + bcast
        out[0] += math.ceil(bits_h[i] * wires_h[i] / share) * pitch
    for j in range(lv):
        bits_v[j] = addr_v[j] + dist_v[j] + bcast
        out[1] += math.ceil(bits_v[j] * wires_v[j] / share) * pitch
    # level lengths as (x mat width, x mat height, + constant)
    lh_w = np.zeros(max(lh, 1))
    lh_c = np.zeros(max(lh, 1))
    lv_h = np.zeros(max(lv, 1))
    lv_c = np.zeros(max(lv, 1))
    h = lh - 1
    v = lv - 1
    while v > h:
        if v == lv - 1:
            lv_h[v] = 0.5
        else:
            lv_h[v] = 2.0 * lv_h[v + 1]
            lv_c[v] = 2.0 * lv_c[v + 1]
        v -= 1
    while v >= 0:
        if v == lv - 1:
            lv_h[v] = 0.5
        else:
            lv_h[v] = 2.0 * lv_h[v + 1]
            lv_c[v] = 2.0 * lv_c[v + 1]
            if h != lh - 1:
                lv_c[v] += math.ceil(bits_h[h + 1] / share) * pitch / 2.0
        if h == lh - 1:
            lh_w[h] = 1.0
            for i in range(v, lv):
                lh_c[h] += math.ceil(bits_v[i] / share) * pitch / 2.0
        else:
            lh_w[h] = 2.0 * lh_w[h + 1]
            lh_c[h] = 2.0 * lh_c[h + 1] + math.ceil(bits_v[v] / share) * pitch / 2.0
        v -= 1
        h -= 1
    while h >= 0:
        if h == lh - 1:
            lh_w[h] = 1.0
        else:
            lh_w[h] = 2.0 * lh_w[h + 1]
            lh_c[h] = 2.0 * lh_c[h + 1]
        h -= 1
    for i in range(lh):
        for q, wgt in ((2, 1.0), (5, act_h[i] * bits_h[i]), (8, num_h[i] * bits_h[i])):
            out[q] += wgt * lh_w[i]
            out[q + 2] += wgt * lh_c[i]
    for j in range(lv):
        for q, wgt in ((2, 1.0), (5, act_v[j] * bits_v[j]), (8, num_v[j] * bits_v[j])):
            out[q + 1] += wgt * lv_h[j]
            out[q + 2] += wgt * lv_c[j]


@njit(cache=True)
def _walks(n_addr, block_bits, ways, tag, max_mat_log, pitch, share):
    """Every bank shape and mat activation's walk, indexed ``((lmr * M + lmc) * M + lamc) * M + lamr`` (M = max_mat_log
    + 1): (class id or -1 if invalid, address bits left, distributed bits left, the H-tree sums: s1h, s0h, s1v, s0v
    for unrepeated wires, :func:`_repeated_tree`'s eleven for repeated ones (``pitch`` > 0)), and the classes
    (distinct (address bits, distributed bits[, active mats for a tag]) a mat can see) as rows of (addr, dist,
    log2 active mats)."""
    m = max_mat_log + 1
    n = m ** 4
    cls = np.full(n, -1, np.int64)
    ints = np.zeros((n, 2), np.int64)
    sums = np.zeros((n, 15))
    class_of = np.full(64 * 64 * 32, -1, np.int64)
    classes = np.zeros((n, 3), np.int64)
    n_cls = 0
    dist0 = ways if tag else block_bits
    bcast0 = 0 if tag else _ilog2(ways)
    for lmr in range(m):
        for lmc in range(m):
            for lamc in range(lmc + 1):
                for lamr in range(lmr + 1):
                    k = ((lmr * m + lmc) * m + lamc) * m + lamr
                    if block_bits // 2 ** (lamc + lamr) == 0:  # main.cpp: too aggressive partitioning
                        continue
                    ok, addr, dist, s1h, s0h, s1v, s0v = _walk(lmc, lmr, 2 ** lamc, 2 ** lamr, n_addr, dist0, bcast0)
                    if not ok or (tag and dist == 0):  # a tag mat must hold a whole way
                        continue
                    key = (addr * 64 + _ilog2(dist)) * 32 + ((lamc + lamr) if tag else 0)
                    if class_of[key] < 0:
                        class_of[key] = n_cls
                        classes[n_cls, 0] = addr
                        classes[n_cls, 1] = dist
                        classes[n_cls, 2] = lamc + lamr
                        n_cls += 1
                    cls[k] = class_of[key]
                    ints[k, 0] = addr
                    ints[k, 1] = dist
                    sums[k, 0] = s1h
                    sums[k, 1] = s0h
                    sums[k, 2] = s1v
                    sums[k, 3] = s0v
                    if pitch > 0:
                        _repeated_tree(lmc, lmr, 2 ** lamc, 2 ** lamr, n_addr, dist0, bcast0, pitch, share,
                                       sums[k, 4:])
    return cls, ints, sums, classes[:n_cls]


@njit(cache=True)
def mat_shape(addr, dist, l_act_mats, lsr, lsc, lasc, lasr, lsa, ll1, ll2, block_bits, ways, tag):
    """Mat::Initialize for one choice: (valid, log2 rows before the fill, columns, log2 of the three mux degrees after
    the way folding, row predecoder bits, ways in the mat, bits the mat delivers)."""
    act = 2 ** (l_act_mats + lasc + lasr)
    if block_bits // act == 0:
        return False, 0, 0, 0, 0, 0, 0, 0, 0
    if tag:  # the broadcast tag, padded to a multiple of the active subarrays; the ways are distributed
        mat_block = (block_bits + act - 1) // act * act
        ways_mat = dist
        e_sa = 1
        e_l1 = 1
        e_l2 = 1
    else:
        mat_block = dist
        ways_mat = ways  # the broadcast way bits are never spent on the walk
        e_sa = 1
        e_l1 = 1
        e_l2 = 1
        if ways_mat > 1:  # a set's ways in one row: the way selection folded into the muxes (BankWithHtree)
            e_l2 = 2 ** (_ilog2(ways_mat) // 3)
            e_l1 = e_l2
            e_sa = ways_mat // e_l1 // e_l2
    addr_mat = addr - (lsr + lsc - lasc - lasr)  # minus the bits that gate the inactive subarrays
    if addr_mat <= 0:
        return False, 0, 0, 0, 0, 0, 0, 0, 0
    col_base = mat_block // 2 ** (lasc + lasr)
    if col_base == 0:
        return False, 0, 0, 0, 0, 0, 0, 0, 0
    lsa_e = lsa + _ilog2(e_sa)
    ll1_e = ll1 + _ilog2(e_l1)
    ll2_e = ll2 + _ilog2(e_l2)
    lprod = lsa_e + ll1_e + ll2_e
    pred = addr_mat - lprod
    l_rows = pred + (0 if tag else _ilog2(ways_mat))
    if l_rows < 0 or pred < 0:
        return False, 0, 0, 0, 0, 0, 0, 0, 0
    cols = col_base * 2 ** lprod * (ways_mat if tag else 1)
    return True, l_rows, cols, lsa_e, ll1_e, ll2_e, pred, ways_mat, mat_block


@njit(cache=True)
def _class_mats(classes, fill, block_bits, ways, tag, max_rows, min_sa_mux, max_mux_log, styles, out, keys):
    """Every mat a walk class can feed, in NVSim's order (subarrays, active subarrays, muxes, buffer style): the
    fields of :data:`MAT_FIELDS`, one row of ``out`` per field but the subarray key (``keys``), and, per class, the
    range of its mats.  The column rule of a Normal / Fast cache is left to the search (a tag space
    serves every access type)."""
    mn = max_mux_log + 1
    ptr = np.zeros(classes.shape[0] + 1, np.int64)
    n = 0
    for c in range(classes.shape[0]):
        addr, dist, l_act_mats = classes[c, 0], classes[c, 1], classes[c, 2]
        for lsr in range(2):
            for lsc in range(2):
                for lasc in range(lsc + 1):
                    for lasr in range(lsr + 1):
                        for lsa in range(mn):
                            if not mat_shape(addr, dist, l_act_mats, lsr, lsc, lasc, lasr, lsa, 0, 0, block_bits, ways,
                                        tag)[0]:
                                break  # more bitlines per sense amplifier leave even fewer rows
                            for ll1 in range(mn):
                                if not mat_shape(addr, dist, l_act_mats, lsr, lsc, lasc, lasr, lsa, ll1, 0, block_bits,
                                            ways, tag)[0]:
                                    break
                                for ll2 in range(mn):
                                    ok, l_rows, cols, lsa_e, ll1_e, ll2_e, pred, ways_mat, mat_block = mat_shape(
                                        addr, dist, l_act_mats, lsr, lsc, lasc, lasr, lsa, ll1, ll2, block_bits, ways,
                                        tag)
                                    if not ok:
                                        break
                                    if math.ceil(2.0 ** l_rows * fill - 1e-9) > max_rows:
                                        continue
                                    if 2 ** lsa_e <= min_sa_mux:
                                        continue
                                    for si in range(styles.shape[0]):
                                        out[0, n] = l_rows
                                        out[1, n] = cols
                                        out[2, n] = lsa_e
                                        out[3, n] = ll1_e
                                        out[4, n] = ll2_e
                                        out[5, n] = styles[si]
                                        out[6, n] = lsr
                                        out[7, n] = lsc
                                        out[8, n] = lasc
                                        out[9, n] = lasr
                                        out[10, n] = pred
                                        out[11, n] = ways_mat
                                        out[12, n] = mat_block
                                        out[13, n] = lsa
                                        out[14, n] = ll1
                                        out[15, n] = ll2
                                        # the subarray's shape as one key: rows, columns, mux degrees, style
                                        keys[n] = (((((l_rows * 2 ** 31 + cols) * 16 + lsa_e) * 16 + ll1_e) * 16
                                                    + ll2_e) * 4 + styles[si])
                                        n += 1
        ptr[c + 1] = n
    return n, ptr


#: the six targets whose values do not depend on a search variant's write-energy divisions (all but the write energy
#: and the write EDP, 3 and 5)
SHARED_TARGETS = (0, 1, 2, 4, 6, 7)


@njit(cache=True, inline="always")
def _record(best, best_val, t, value, n, lmr, lmc, lamc, lamr, mi):
    best_val[t] = value
    best[t, 0] = n
    best[t, 1] = lmr
    best[t, 2] = lmc
    best[t, 3] = lamc
    best[t, 4] = lamr
    best[t, 5] = mi


@njit(cache=True)
def _listed_mats(ptr, mat_met, mat_cols, min_cols, lim):
    """The mats each bank shape visits, per (class, d): those of the class that pass the column rule and, when
    ``lim`` holds the aspect limits scaled by ``2^d`` (d = lmc - lmr, one entry per d), the aspect rule; listed in
    order (``start`` / ``listed``, CSR)."""
    n_cls = ptr.shape[0] - 1
    n_d = max(lim.shape[0], 1)
    n_l = n_cls * n_d
    start = np.zeros(n_l + 1, np.int64)
    lo = np.empty(mat_met.shape[0], np.int64)  # per mat: the range of d it passes (an interval: below)
    hi = np.empty(mat_met.shape[0], np.int64)
    for c in range(n_cls):
        for mi in range(ptr[c], ptr[c + 1]):
            lo[mi] = n_d
            hi[mi] = -1
            if mat_cols[mi] < min_cols:
                continue
            if lim.shape[0] == 0:
                lo[mi] = 0
                hi[mi] = 0
                start[c + 1] += 1
                continue
            r_hw = mat_met[mi, 0] / mat_met[mi, 1]
            r_wh = mat_met[mi, 1] / mat_met[mi, 0]
            for dd in range(n_d):  # the first test holds from some d on, the second up to some d
                if not (r_hw > lim[dd] or r_wh > lim[n_d - 1 - dd]):  # (as the per-design test: NaN passes)
                    lo[mi] = min(lo[mi], dd)
                    hi[mi] = dd
                    start[c * n_d + dd + 1] += 1
    for i in range(n_l):
        start[i + 1] += start[i]
    listed = np.empty(start[n_l], np.int64)
    fill = start[:-1].copy()
    for c in range(n_cls):
        for mi in range(ptr[c], ptr[c + 1]):
            for dd in range(lo[mi], hi[mi] + 1):
                li = c * n_d + dd
                listed[fill[li]] = mi
                fill[li] += 1
    return start, listed


@njit(cache=True)
def search_kernel(cls, sums, max_mat_log, ptr, mat_cols, mat_bc, mat_met, consts, variants, best, kept, dump):
    """NVSim's search loop (macros.h BIGFOR) over the kept designs, in NVSim's order: every bank shape and mat
    activation with a valid walk (class ``cls``), then its class's mats (``ptr``), each evaluated from its mat
    (``mat_met``, :data:`MAT_METRICS`) and the bank's H-tree; per target the first design with the strictly smallest
    metric (Result::compareAndUpdate) is kept in ``best[v, t]`` = (its index among the kept designs, log2 mat rows /
    columns / active mat columns / active mat rows, its mat); with ``dump`` (rows > 0; one variant) every kept
    design's :data:`BANK_METRICS` and :data:`BANK_ORG`.  ``mat_bc``: the bits broadcast on the H-tree (a tag's padded
    width, a Normal data array's way bits).  ``consts`` = (2.3 r c / 2 of the global wire per m^2, its c Vdd^2 per m,
    the largest bank aspect ratio (0: none), and for a repeated wire its delay, energy and leakage per metre (0:
    unrepeated)).  ``variants``: one row per search run in the same pass, (divisor of the H-tree's write energy (a
    Fast cache's associativity), divisor of the cells' write energy, least columns of a mat (a Normal / Fast
    cache's column rule, against ``mat_cols``)): a tag array's three access types differ only there, and share
    every other step of a design's evaluation.  ``kept[v]`` gets the number of designs variant ``v`` keeps.

    The column and bank aspect rules are decided per mat, not per design (:func:`_listed_mats`): with unrepeated
    wires a bank is its mat scaled by powers of two, so hb / wb = (hm / wm) 2^(lmr - lmc) exactly, and whether a mat
    passes depends only on d = lmc - lmr (its ratios against the limit scaled by 2^d, exact).  A bank shape visits
    only its list: a data array keeps 5-10 % of its designs, which were each evaluated up to the aspect test before
    (the same designs in the same order; 2-3x faster).  (Bounding a whole list by its metrics' minima was tried and
    pruned under 1 % of the designs: a class mixes mats too different for the bound to bite.)
    """
    m = max_mat_log + 1
    n_var = variants.shape[0]
    best_val = np.full((n_var, 8), np.inf)
    vals = np.empty(8)  # this design's value on each target
    k_t, k_e, aspect = consts[0], consts[1], consts[2]
    u_t, u_e, u_l = consts[3], consts[4], consts[5]  # a repeated wire's delay, energy, leakage per metre (else 0)
    rep = u_t > 0
    want_dump = dump.shape[0] > 1
    by_ratio = aspect > 0 and not rep
    n_d = 2 * max_mat_log + 1 if by_ratio else 0
    lim = np.empty(n_d)
    for dd in range(n_d):
        lim[dd] = math.ldexp(aspect, dd - max_mat_log)
    least_cols = most_cols = variants[0, 2]
    for v in range(n_var):
        least_cols = min(least_cols, variants[v, 2])
        most_cols = max(most_cols, variants[v, 2])
        kept[v] = 0
    start, listed = _listed_mats(ptr, mat_met, mat_cols, least_cols, lim)
    # When every listed mat passes every variant's column rule (a tag array's mats are wide enough), the variants
    # keep the same designs in the same order, so the six targets they share have the same winners: compared once
    shared = n_var > 1
    for j in range(listed.shape[0]):
        if mat_cols[listed[j]] < most_cols:
            shared = False
            break
    for lmr in range(m):
        for lmc in range(m):
            tree_t_w = k_t * (4.0 ** lmc - 1.0) / 3.0  # x mat width^2
            tree_t_h = k_t * (4.0 ** lmr - 1.0) / 3.0 / 4.0  # x mat height^2 (segments of half mat heights)
            n_mats = 2.0 ** (lmr + lmc)
            for lamc in range(lmc + 1):
                for lamr in range(lmr + 1):
                    k = ((lmr * m + lmc) * m + lamc) * m + lamr
                    c = cls[k]
                    if c < 0:
                        continue
                    li = c * n_d + lmc - lmr + max_mat_log if by_ratio else c
                    j0, j1 = start[li], start[li + 1]
                    act = 2.0 ** (lamc + lamr)
                    s1h, s0h, s1v, s0v = sums[k, 0], sums[k, 1], sums[k, 2], sums[k, 3]
                    for j in range(j0, j1):
                        mi = listed[j]
                        hm = mat_met[mi, 0]
                        wm = mat_met[mi, 1]
                        hb = hm * 2.0 ** lmr
                        wb = wm * 2.0 ** lmc
                        if rep:
                            hb += sums[k, 4]
                            wb += sums[k, 5]
                            if aspect > 0 and (hb / wb > aspect or wb / hb > aspect):
                                continue
                        leak_tree = 0.0
                        if rep:
                            t_tree = u_t * (sums[k, 6] * wm + sums[k, 7] * hm + sums[k, 8])
                            e_tree = u_e * (sums[k, 9] * wm + sums[k, 10] * hm + sums[k, 11])
                            leak_tree = u_l * (sums[k, 12] * wm + sums[k, 13] * hm + sums[k, 14])
                        else:
                            bc = mat_bc[mi]
                            t_tree = tree_t_w * wm * wm + tree_t_h * hm * hm
                            e_tree = k_e * (wm * (s1h + bc * s0h) + hm / 2.0 * (s1v + bc * s0v))
                        # the eight targets in NVSIM_TARGETS order; per target the first strictly smaller wins
                        vals[0] = mat_met[mi, 2] + 2.0 * t_tree
                        vals[1] = mat_met[mi, 3] + t_tree
                        vals[2] = mat_met[mi, 4] * act + e_tree
                        vals[4] = vals[0] * vals[2]
                        vals[6] = mat_met[mi, 6] * n_mats + leak_tree
                        vals[7] = hb * wb
                        if shared:  # the targets every variant shares, into variant 0's winners
                            for t in SHARED_TARGETS:
                                if vals[t] < best_val[0, t]:
                                    _record(best[0], best_val[0], t, vals[t], kept[0], lmr, lmc, lamc, lamr, mi)
                        for v in range(n_var):
                            if mat_cols[mi] < variants[v, 2]:
                                continue
                            vals[3] = (mat_met[mi, 5] + mat_met[mi, 7] / variants[v, 1]) * act + e_tree / variants[v, 0]
                            vals[5] = vals[1] * vals[3]
                            for t in range(8):
                                if (not shared or t == 3 or t == 5) and vals[t] < best_val[v, t]:
                                    _record(best[v], best_val[v], t, vals[t], kept[v], lmr, lmc, lamc, lamr, mi)
                            kept[v] += 1
                        if want_dump and mat_cols[mi] >= variants[0, 2]:
                            d = dump[kept[0] - 1]
                            d[0] = vals[0]
                            d[1] = vals[1]
                            d[2] = vals[2]
                            d[3] = vals[3]
                            d[4] = vals[6]
                            d[5] = vals[7]
                            d[6] = hb
                            d[7] = wb
                            d[8] = mat_met[mi, 2]
                            d[9] = lmr
                            d[10] = lmc
                            d[11] = lamc
                            d[12] = lamr
                            d[13] = mi
    if shared:
        for v in range(1, n_var):
            for t in SHARED_TARGETS:
                best[v, t] = best[0, t]


class Space:
    """NVSim's organisation space of one array (:class:`SpaceSpec`): its distinct mats (``table``, one row each,
    :data:`MAT_FIELDS`), then any number of searches over it with the mats evaluated (:meth:`search`).

    ``count`` is the number of designs before the bank aspect rule (and a tag's column rule); ``kept``, after the
    last :meth:`search`, the number NVSim keeps (its "solutions").
    """

    def __init__(self, spec: SpaceSpec):
        self.spec = spec
        tag = bool(spec.tag)
        cls, ints, sums, classes = _walks(spec.n_addr, int(spec.block_bits), int(spec.ways), tag,
                                          int(spec.max_mat_log), float(spec.wire_pitch), float(spec.wire_share))
        self.cls, self.sums = cls, sums
        styles = np.asarray(spec.styles, dtype=np.int64)
        args = (classes, spec.fill, int(spec.block_bits), int(spec.ways), tag, float(spec.max_rows),
                float(spec.min_sa_mux), int(spec.max_mux_log), styles)
        # one row per field (each column of the table contiguous), 32-bit but for the subarray key: the table is
        # 10^5-10^6 mats, written in one pass into room for every mat the loops could make (the room the pass does
        # not reach is never written, so never mapped: address space, not memory)
        bound = len(classes) * 9 * (int(spec.max_mux_log) + 1) ** 3 * len(styles)
        fields = np.empty((N_MAT_FIELDS - 1, bound), np.int32)
        keys = np.empty(bound, np.int64)
        n, self.ptr = _class_mats(*args, fields, keys)
        self.table = {k: fields[i, :n] for i, k in enumerate(MAT_FIELDS[:-1])}
        self.table["sub_key"] = keys[:n]
        valid = cls >= 0
        self.count = int(np.sum(np.diff(self.ptr)[cls[valid]]))
        self.broadcast = self.table["mat_block"] if tag else np.full(n, int(math.log2(spec.ways)), np.int64)

    def search(self, mat_metrics: np.ndarray, *, wire_rc: float, wire_cv2: float, write_beta: float = 1.0,
               max_aspect: float = 0.0, min_cols: int = 0, repeated_unit=(0.0, 0.0, 0.0), cell_write_div: float = 1.0,
               dump: bool = False):
        """NVSim's choice per target over this space with the mats evaluated as ``mat_metrics``.

        ``wire_rc``: the global wire's ``2.3 r c / 2`` per m^2 (an unrepeated wire's delay is that x length^2);
        ``wire_cv2``: its ``c Vdd^2`` per m; ``write_beta``: the divisor of the H-tree's write energy (a Fast cache's
        associativity); ``max_aspect``: the data bank's aspect limit (0: none); ``min_cols``: a Normal / Fast cache's
        column rule; ``repeated_unit``: a repeated wire's delay, energy and leakage per metre (the space's spec then
        holds its pitch); ``cell_write_div``: NVSim's division of the cells' write energy in a Normal / Fast cache.
        Returns (best, dump): ``best`` an int array [8, 6] per target in :data:`NVSIM_TARGETS` order
        (index among the kept designs, log2 mat rows / columns / active mat columns / active mat rows, mat-table
        row; -1 if nothing was kept), ``dump`` (``dump=True``) every kept design's :data:`BANK_METRICS` and
        :data:`BANK_ORG` as one float array.
        """
        wire = dict(wire_rc=wire_rc, wire_cv2=wire_cv2, max_aspect=max_aspect, repeated_unit=repeated_unit)
        (best,), (kept,) = self.search_variants(mat_metrics, [(write_beta, cell_write_div, min_cols)], **wire)
        self.kept = kept
        if not dump:
            return best, None
        out = np.zeros((max(kept, 2), 14))
        self._run(mat_metrics, [(write_beta, cell_write_div, min_cols)], out=out, **wire)
        return best, out[:kept]

    def search_variants(self, mat_metrics: np.ndarray, variants, *, wire_rc: float, wire_cv2: float,
                        max_aspect: float = 0.0, repeated_unit=(0.0, 0.0, 0.0)):
        """:meth:`search` for several ``variants`` (write_beta, cell_write_div, min_cols) in one pass over the
        designs (a tag array's three access types): ``(best per variant, designs kept per variant)``."""
        return self._run(mat_metrics, variants, wire_rc=wire_rc, wire_cv2=wire_cv2, max_aspect=max_aspect,
                         repeated_unit=repeated_unit)

    def _run(self, mat_metrics, variants, *, wire_rc, wire_cv2, max_aspect, repeated_unit, out=None):
        consts = np.array([wire_rc, wire_cv2, max_aspect, *repeated_unit])
        var = np.array([[float(b), float(d), float(c)] for b, d, c in variants]).reshape(-1, 3)
        best = np.full((len(var), 8, 6), -1, np.int64)
        kept = np.zeros(len(var), np.int64)
        search_kernel(self.cls, self.sums, int(self.spec.max_mat_log), self.ptr, self.table["cols"], self.broadcast,
                      mat_metrics, consts, var, best, kept, np.zeros((1, 14)) if out is None else out)
        return list(best), [int(k) for k in kept]
