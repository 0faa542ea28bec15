"""Numba text formatting of Accel-Sim thread blocks: ASCII bytes straight into a buffer.

Only numpy and numba here. Python f-strings cost about 3 us per instruction
line, more than grouping and compressing it; writing the bytes in a jitted
loop makes the export bound by xz instead.
"""

from __future__ import annotations

import numpy as np
from numba import njit

KIND_LOAD, KIND_STORE, KIND_EXIT, KIND_BAR, KIND_WAIT = 0, 1, 2, 3, 4
ROW_MAX_B = 80
"""Upper bound on one instruction line's length (PC and address up to 16 hex digits)."""
WARP_MAX_B = 48
"""Upper bound on a warp's ``warp = w`` / ``insts = k`` lines, its blank line and its share of the CTA's lines."""


def _ascii(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8).copy()


_BEGIN = _ascii("#BEGIN_TB\n\nthread block = ")
_TB_END = _ascii(",0,0\n\n")
_WARP = _ascii("warp = ")
_INSTS = _ascii("\ninsts = ")
_END = _ascii("#END_TB\n\n")
_LOAD_MID = _ascii(" LDG.E 1 R2 4 1 0x")  # after "PC MASK 1 R<dest>"
_STORE_MID = _ascii(" 0 STG.E ")  # after "PC MASK"; then the source count, " R2", the data registers, _STORE_ADDR
_STORE_ADDR = _ascii(" 4 1 0x")
_R2_R = _ascii(" R2 R")
_SPACE_R = _ascii(" R")
_MEM_END = _ascii(" 4\n")
_EXIT = _ascii(" ffffffff 0 EXIT 0 0\n")
_BAR = _ascii(" ffffffff 0 BAR.SYNC 0 0\n")
_WAIT = _ascii(" ffffffff 1 R3 MOV 1 R")  # then the register, " 0"
_NO_MEM = _ascii(" 0\n")
_ONE_R = _ascii(" 1 R")
_HEX = _ascii("0123456789abcdef")


@njit(cache=True, inline="always")
def _put(out, n, piece):
    for i in range(len(piece)):
        out[n + i] = piece[i]
    return n + len(piece)


@njit(cache=True, inline="always")
def _hex(out, n, v, width):
    """``v`` in lowercase hex, zero-padded to ``width`` digits."""
    digits = 1
    while (v >> (4 * digits)) != 0 and digits < 16:
        digits += 1
    if digits < width:
        digits = width
    for i in range(digits):
        out[n + digits - 1 - i] = _HEX[(v >> (4 * i)) & 15]
    return n + digits


@njit(cache=True, inline="always")
def _dec(out, n, v):
    digits = 1
    t = v
    while t >= 10:
        t //= 10
        digits += 1
    for i in range(digits):
        out[n + digits - 1 - i] = 48 + v % 10
        v //= 10
    return n + digits


@njit(cache=True)
def format_blocks(cta, warp, kind, pc, mask, reg, reg2, base, last_warp, out):
    """Write thread blocks into ``out`` (uint8); return the bytes written.

    Rows are instruction lines sorted by (CTA, warp), every warp of every CTA
    present (its last row an EXIT): ``#BEGIN_TB`` before warp 0, ``warp = w``
    and ``insts = k`` before each warp's rows, ``#END_TB`` after ``last_warp``.
    ``reg`` is a load's destination, a store's (first) data register or the
    register a wait (``MOV R3``) reads; ``reg2`` a store's second data register
    (negative: none). ``out`` must hold ``len(rows) * ROW_MAX_B + warps *
    WARP_MAX_B`` bytes.
    """
    n = 0
    i = 0
    rows = len(cta)
    while i < rows:
        c = cta[i]
        w = warp[i]
        j = i
        while j < rows and cta[j] == c and warp[j] == w:
            j += 1
        if w == 0:
            n = _put(out, n, _BEGIN)
            n = _dec(out, n, c)
            n = _put(out, n, _TB_END)
        n = _put(out, n, _WARP)
        n = _dec(out, n, w)
        n = _put(out, n, _INSTS)
        n = _dec(out, n, j - i)
        out[n] = 10
        n += 1
        for r in range(i, j):
            n = _hex(out, n, pc[r], 4)
            if kind[r] == KIND_EXIT:
                n = _put(out, n, _EXIT)
                continue
            if kind[r] == KIND_BAR:
                n = _put(out, n, _BAR)
                continue
            if kind[r] == KIND_WAIT:
                n = _put(out, n, _WAIT)
                n = _dec(out, n, reg[r])
                n = _put(out, n, _NO_MEM)
                continue
            out[n] = 32
            n = _hex(out, n + 1, mask[r], 8)
            if kind[r] == KIND_LOAD:
                n = _put(out, n, _ONE_R)
                n = _dec(out, n, reg[r])
                n = _put(out, n, _LOAD_MID)
            else:
                n = _put(out, n, _STORE_MID)
                out[n] = 51 if reg2[r] >= 0 else 50  # "3" or "2" source registers
                n = _put(out, n + 1, _R2_R)
                n = _dec(out, n, reg[r])
                if reg2[r] >= 0:
                    n = _put(out, n, _SPACE_R)
                    n = _dec(out, n, reg2[r])
                n = _put(out, n, _STORE_ADDR)
            n = _hex(out, n, base[r], 1)
            n = _put(out, n, _MEM_END)
        out[n] = 10
        n += 1
        if w == last_warp:
            n = _put(out, n, _END)
        i = j
    return n
