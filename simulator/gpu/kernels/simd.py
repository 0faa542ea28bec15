"""Vector building blocks for the cache kernels, written as Numba intrinsics (LLVM vector IR).

Why: LLVM does not vectorise a search loop that stops at the first match, and the scalar search plus the
move-to-front shifting cost one or two mispredicted branches per access.  Comparing all ways of a set at once
(one vector compare, a bit mask, count trailing zeros) and keeping LRU as per-way age ranks updated by one vector
add makes a lookup nearly branch-free.  Against the ring move-to-front kernel it replaced, side by side in one
process on this project's 2-core AVX2 machine (3 and 24 MB, 16 ways, identical counts): 1.3-1.4x faster on
random read traces, 1.5x on streaming ones, 1.1x with 30 % random writes and the next-level stream emitted.

The way count must be a compile-time constant (a literal or a closed-over int); any count works: lanes are
processed in blocks of at most 64.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import types
from numba.core.extending import intrinsic

_BLOCK = 64


def _splat(builder, value, elt, width):
    vt = ir.VectorType(elt, width)
    v = builder.insert_element(ir.Constant(vt, ir.Undefined), value, ir.Constant(ir.IntType(32), 0))
    return builder.shuffle_vector(v, v, ir.Constant(ir.VectorType(ir.IntType(32), width), [0] * width))


def _cast(builder, value, elt, signed):
    if value.type.width > elt.width:
        return builder.trunc(value, elt)
    if value.type.width < elt.width:
        return builder.sext(value, elt) if signed else builder.zext(value, elt)
    return value


def _block_ptr(context, builder, arrty, arr, index, elt, width):
    data = context.make_array(arrty)(context, builder, arr).data
    return builder.bitcast(builder.gep(data, [index]), ir.VectorType(elt, width).as_pointer())


def _check(arr, n):
    if not isinstance(arr, types.Array) or not isinstance(arr.dtype, types.Integer) or arr.ndim != 1:
        raise TypeError("expected a one-dimensional integer array")
    if not isinstance(n, types.IntegerLiteral) or n.literal_value < 1:
        raise TypeError("the lane count must be a positive compile-time integer")
    return n.literal_value


@intrinsic(prefer_literal=True)
def first_equal(typingctx, arr, base, value, n, ignore):
    """Index ``k`` of the first ``arr[base + k] | ignore == value | ignore`` for ``k < n``; ``n`` when none.

    ``ignore`` (a compile-time integer) names bits left out of the comparison, e.g. a dirty flag kept in a tag.
    """
    width = _check(arr, n)
    if not isinstance(ignore, types.IntegerLiteral):
        raise TypeError("ignore must be a compile-time integer")
    bits = ignore.literal_value

    def codegen(context, builder, sig, args):
        a, b, v, _, _ = args
        elt = ir.IntType(sig.args[0].dtype.bitwidth)
        i64 = ir.IntType(64)
        x = _cast(builder, v, elt, sig.args[2].signed if isinstance(sig.args[2], types.Integer) else True)
        if bits:
            x = builder.or_(x, ir.Constant(elt, bits))
        b = _cast(builder, b, i64, False)
        result = ir.Constant(i64, width)
        for start in reversed(range(0, width, _BLOCK)):  # the earliest block's match wins
            w = min(_BLOCK, width - start)
            p = _block_ptr(context, builder, sig.args[0], a, builder.add(b, ir.Constant(i64, start)), elt, w)
            cur = builder.load(p, align=elt.width // 8)
            if bits:
                cur = builder.or_(cur, ir.Constant(ir.VectorType(elt, w), [bits] * w))
            eq = builder.icmp_unsigned("==", cur, _splat(builder, x, elt, w))
            mask = builder.zext(builder.bitcast(eq, ir.IntType(w)), i64)
            if width < 64:  # one block: a sentinel bit above the lanes makes "none" count to n, with no select
                return builder.cttz(builder.or_(mask, ir.Constant(i64, 1 << width)), ir.Constant(ir.IntType(1), 0))
            tz = builder.cttz(mask, ir.Constant(ir.IntType(1), 0))  # 64 when no lane matched
            found = builder.icmp_unsigned("<", tz, ir.Constant(i64, 64))
            result = builder.select(found, builder.add(tz, ir.Constant(i64, start)), result)
        return result

    return types.int64(arr, base, value, n, ignore), codegen


@intrinsic(prefer_literal=True)
def increment_below(typingctx, arr, base, value, n):
    """``arr[base + k] += 1`` wherever ``arr[base + k] < value`` (unsigned), for ``k < n``: one age step."""
    width = _check(arr, n)

    def codegen(context, builder, sig, args):
        a, b, v, _ = args
        elt = ir.IntType(sig.args[0].dtype.bitwidth)
        i64 = ir.IntType(64)
        x = _cast(builder, v, elt, False)
        b = _cast(builder, b, i64, False)
        for start in range(0, width, _BLOCK):
            w = min(_BLOCK, width - start)
            p = _block_ptr(context, builder, sig.args[0], a, builder.add(b, ir.Constant(i64, start)), elt, w)
            cur = builder.load(p, align=elt.width // 8)
            lt = builder.icmp_unsigned("<", cur, _splat(builder, x, elt, w))
            builder.store(builder.add(cur, builder.zext(lt, ir.VectorType(elt, w))), p, align=elt.width // 8)
        return context.get_dummy_value()

    return types.none(arr, base, value, n), codegen


@intrinsic(prefer_literal=True)
def hit_or_victim(typingctx, tags, ages, base, value, n, ignore, oldest):
    """Where a line goes, without a branch: ``k < n`` when ``tags[base + k]`` holds ``value`` (as
    :func:`first_equal`), else ``n + k`` for the first way whose age is ``oldest`` (the victim, under every policy).

    Why: the kernel's predicated loop must not branch on hit or miss, and LLVM turns a ``select`` between two
    searches back into a branch.  Both masks are joined into one word (hits in the low ``n`` bits, victims above)
    and one count of trailing zeros picks the way: the result is pure arithmetic.  ``n`` is at most 32.
    """
    width = _check(tags, n)
    if width > 32:
        raise TypeError("hit_or_victim handles at most 32 ways")
    if not isinstance(ignore, types.IntegerLiteral):
        raise TypeError("ignore must be a compile-time integer")
    if not isinstance(ages, types.Array) or not isinstance(ages.dtype, types.Integer) or ages.ndim != 1:
        raise TypeError("expected a one-dimensional integer age array")
    bits = ignore.literal_value

    def codegen(context, builder, sig, args):
        t, g, b, v, _, _, o = args
        i64 = ir.IntType(64)
        elt = ir.IntType(sig.args[0].dtype.bitwidth)
        gelt = ir.IntType(sig.args[1].dtype.bitwidth)
        x = _cast(builder, v, elt, sig.args[3].signed if isinstance(sig.args[3], types.Integer) else True)
        b = _cast(builder, b, i64, False)
        cur = builder.load(_block_ptr(context, builder, sig.args[0], t, b, elt, width), align=elt.width // 8)
        if bits:
            x = builder.or_(x, ir.Constant(elt, bits))
            cur = builder.or_(cur, ir.Constant(ir.VectorType(elt, width), [bits] * width))
        hits = builder.icmp_unsigned("==", cur, _splat(builder, x, elt, width))
        age = builder.load(_block_ptr(context, builder, sig.args[1], g, b, gelt, width), align=gelt.width // 8)
        old = builder.icmp_unsigned("==", age, _splat(builder, _cast(builder, o, gelt, False), gelt, width))
        mh = builder.zext(builder.bitcast(hits, ir.IntType(width)), i64)
        mo = builder.zext(builder.bitcast(old, ir.IntType(width)), i64)
        m = builder.or_(mh, builder.shl(mo, ir.Constant(i64, width)))
        return builder.cttz(m, ir.Constant(ir.IntType(1), 0))

    return types.int64(tags, ages, base, value, n, ignore, oldest), codegen



@intrinsic
def mul_high(typingctx, a, b):
    """The high 64 bits of the 128-bit product of two uint64 (one ``mul`` on x86-64): the second step of the
    kernels' reciprocal modulo by a runtime set count."""
    if not (isinstance(a, types.Integer) and isinstance(b, types.Integer)):
        raise TypeError("mul_high takes two integers")

    def codegen(context, builder, sig, args):
        i128 = ir.IntType(128)
        x, y = (builder.zext(_cast(builder, v, ir.IntType(64), False), i128) for v in args)
        return builder.trunc(builder.lshr(builder.mul(x, y), ir.Constant(i128, 64)), ir.IntType(64))

    return types.uint64(a, b), codegen


def reciprocal(d: int) -> np.uint64:
    """``ceil(2**64 / d)`` modulo ``2**64``, the multiplier of :func:`mod_by` and :func:`divmod_by`: with it ``x % d
    == mul_high(M * x, d)`` for every ``x < 2**32`` (Lemire et al. 2019; ``d == 1`` gives 0, which is right)."""
    return np.uint64(((2**64 - 1) // d + 1) & (2**64 - 1))


@njit(inline="always")
def mod_by(x, d, recip):
    """``x % d`` for uint64 ``x`` and ``d``, ``recip`` = :func:`reciprocal` of ``d``: a
    multiply below 2**32, where the reciprocal is exact (Lemire et al. 2019), the division above."""
    return mul_high(recip * x, d) if x < np.uint64(1 << 32) else x % d


@njit(inline="always")
def divmod_by(x, d, recip):
    """``(x // d, x % d)`` for uint64 ``x`` and ``d`` with ``recip`` as :func:`mod_by` takes it: two multiplies
    wherever they are exact, which is every ``x < recip`` (the error of ``recip / 2**64`` against ``1 / d``, times
    ``x``, stays below ``1 / d``; Lemire et al. 2019, Theorem 1), a division above (and for ``d == 1``, whose
    ``recip`` is 0)."""
    if x < recip:
        return mul_high(recip, x), mul_high(recip * x, d)
    return x // d, x % d


def _trailing_zeros(width: int):
    """An intrinsic: the trailing zeros of a nonzero unsigned integer of ``width`` bits, as a uint64 (one
    ``tzcnt``)."""

    @intrinsic
    def cttz(typingctx, x):
        if not isinstance(x, types.Integer):
            raise TypeError(f"cttz{width} takes an integer")

        def codegen(context, builder, sig, args):
            n = builder.cttz(_cast(builder, args[0], ir.IntType(width), False), ir.Constant(ir.IntType(1), 1))
            return builder.zext(n, ir.IntType(64)) if width < 64 else n

        return types.uint64(x), codegen

    return cttz


cttz32 = _trailing_zeros(32)
"""Trailing zeros of a nonzero uint32: the next dirty sector of a mask."""
cttz64 = _trailing_zeros(64)
"""Trailing zeros of a nonzero uint64: the first free slot of a calendar word."""


@intrinsic
def parity64(typingctx, x):
    """The parity of a uint64's set bits, as a uint64 0 or 1 (``popcnt`` and an ``and`` where the CPU has it; six
    shift-XOR steps took the IPOLY set index to 15 ns a key)."""
    if not isinstance(x, types.Integer):
        raise TypeError("parity64 takes an integer")

    def codegen(context, builder, sig, args):
        i64 = ir.IntType(64)
        return builder.and_(builder.ctpop(_cast(builder, args[0], i64, False)), ir.Constant(i64, 1))

    return types.uint64(x), codegen


def source_revision(*paths) -> int:
    """A hash of these source files, for kernels to capture: Numba keys its on-disk cache on a kernel's own file
    and closure values only, so a kernel calling compiled helpers from other files captures their revision and
    an edit there recompiles it."""
    h = hashlib.sha1()
    for p in paths:
        h.update(Path(p).read_bytes())
    return int(h.hexdigest()[:12], 16)


def simd_revision() -> int:
    """:func:`source_revision` of this file (the intrinsics)."""
    return source_revision(__file__)
