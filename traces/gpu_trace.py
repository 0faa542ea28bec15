"""GPU memory traces from lowered ops: the kernels a DarkNet-style framework launches.

Each op becomes kernels, in launch order (DeepNVM++ §III-D ran DarkNet's AlexNet
on GPGPU-Sim; this is that path):

- :class:`~workloads.ops.Gemm` -> ``im2col`` (when an operand is the column
  matrix of an activation) + a tiled SGEMM, or SGEMM + ``col2im`` when the
  GEMM *produces* the column matrix (backward-data). An explicit im2col/col2im
  :class:`~workloads.ops.Elementwise` op over the same tensors replaces the
  implicit one.
- :class:`~workloads.ops.Elementwise` -> one one-thread-per-element kernel
  (bias, activation, pooling, batch-norm, add, SGD update, ...).

**Per-image convolutions** (``per_image=True``, the default). The lowering
folds the batch into one GEMM over a batch-sized column tensor; DarkNet's
``forward_convolutional_layer_gpu`` / ``backward_convolutional_layer_gpu``
instead loop over the images: im2col of one image into one reused
``net.workspace``, then ``gemm(0,0)`` into that image's output (forward),
``gemm(0,1)`` accumulating ``dW += dout_i . col^T`` (backward-weight) and
``gemm(1,0)`` ``dcol = W^T . dout_i`` followed by col2im into the image's
gradient (backward-data). We launch exactly that sequence; the workspace is
the first image's share of the column tensor, so it stays hot in L2 the way
DarkNet's does. 2-D operands stored transposed (DarkNet's FC weights,
out x in) are detected from their shapes.

**SGEMM tile.** A CTA of 256 threads computes a 128 x 128 output tile, each
thread an 8 x 8 sub-tile, stepping through K eight columns at a time (the
``maxwell_sgemm_128x128`` kernels cuBLAS runs for Caffe/DarkNet GEMMs on a
GTX 1080 Ti). Per k-step the CTA loads a 128 x 8 slice of A (one warp request
per row: 32 B of fp32) and an 8 x 128 slice of B (8 rows of 512 B), and at the
end stores its C tile (128 rows of 512 B). Kernels are named
``sgemm_128x128x8_{nn,nt,tn}`` after which operands are transposed. Edge tiles are partial (fewer rows,
columns or k). Two CTAs fit an SM (128 registers x 256 threads = half the 64K
register file), so a wave is ``2 * n_sms`` CTAs. Operands are row-major
matrices laid out from the start of their tensors (group ``g`` at offset
``g * nbytes / groups``); an op with ``trans_a`` / ``trans_b`` True (read
duck-typed; the zoo's lowering sets them on every GEMM, and None or absent
falls back to the shape test above) stores that operand transposed (cuBLAS "t"), which
changes the segments a k-step loads (e.g. 128 segments of 32 B instead of 8
of 512 B for a transposed B) but not the lines it touches.

**Element-wise kernels** use 256-thread CTAs (8 warps) and 8 CTAs per SM
(2048 threads, a full Pascal SM), one thread per output element as DarkNet
writes them: ``im2col`` one per column-matrix element (each warp re-reads the
input line its 32 outputs come from, so the input is read about ``kh*kw``
times; DarkNet's kernel loops the taps inside a thread per channel and output
position, which gives the same request counts), ``col2im`` one per image element (a warp
reads its ``kh*kw`` column entries, then adds into the image once), pooling
one per output (a warp reads its window's lines); see
:func:`traces._kernels.elementwise_fill`.

**Embedding lookups** (``kind`` ``embedding`` and its gradient
``embedding_grad``) are row gathers, not passes over the whole table: the
lowering lists the (vocab, D) table among the op's tensors, but a lookup of
``B*T`` token ids reads only those rows (and the gradient scatters, i.e.
adds, into only those rows of ``dW``: read-modify-write when the lowering says
it accumulates, e.g. GPT-2's table tied to the LM head). One thread per output
element, as PyTorch's ``embedding`` / ``embedding_dense_backward`` CUDA kernels
index; see :func:`traces._kernels.gather_fill`. Token ids are drawn uniformly
over the vocabulary with ``numpy.random.default_rng([seed, crc32(ids tensor
name)])``, once per trace, so forward and backward look up the same rows and
the same ``seed`` gives the same trace. Uniform ids are a documented stand-in
for a real text's (Zipfian) token frequencies: they repeat fewer rows, so they
bound the table traffic from above for a given ``B*T``.

**Scheduling.** CTAs run in waves of ``CTAs per SM x n_sms``; slot ``j`` of a
wave runs on SM ``j % n_sms`` (round-robin, as the GigaThread engine fills
idle SMs). Within a wave the CTAs advance in lock-step: step ``s`` (a k-step
of an SGEMM, a warp of an element-wise kernel) of every CTA in slot order,
then step ``s + 1``. The true interleaving depends on timing; this fixed one
is what the simulator's fast mode counts with.

**Requests.** A warp's access to a contiguous byte range becomes one request
per 128 B line it overlaps (or per 32 B sector with ``sector_B=32``).
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import ConfigError
from traces import _kernels as K
from traces.allocator import TensorAllocator, plan_addresses
from traces.chunk import DEFAULT_CHUNK, TraceChunk
from workloads import zoo

SGEMM_TILE = (128, 128, 8)
"""Default SGEMM CTA tile (TM outputs rows, TN output columns, TK k-step)."""

SGEMM_CTAS_PER_SM = 2
MAX_READS_PER_THREAD = 64
"""Element-wise kernels: the most elements of one input a thread reads (bounds a reduction's warp)."""
ELEMENTWISE_CTAS_PER_SM = 8


@dataclass(frozen=True)
class KernelSpec:
    """One launched kernel: what it is and the integer geometry the Numba fill needs."""

    kernel: int
    name: str
    kind: str
    layer: str
    pass_: str
    op: str
    ctas: int
    params: tuple  # ("sgemm", p) or ("elementwise", T, bases, sizes, elems, isz, is_w)


@dataclass(frozen=True)
class Buf:
    """A byte range a kernel touches: a whole tensor, one image's slice of it, or a reused workspace."""

    addr: int
    nbytes: int
    elements: int
    itemsize_B: int

    @classmethod
    def of(cls, tensor, addrs) -> Buf:
        return cls(addrs[tensor.name], max(int(tensor.nbytes), 1), max(int(tensor.elements), 1), tensor.itemsize_B)

    def slice(self, i: int, parts: int) -> Buf:
        """Part ``i`` of ``parts`` equal consecutive parts (an image of a batch-major tensor)."""
        n = self.nbytes // parts
        return Buf(self.addr + i * n, max(n, 1), max(self.elements // parts, 1), self.itemsize_B)


def _transposed(tensor, rows: int, cols: int, groups: int) -> bool:
    """Whether a 2-D operand is stored as ``cols x rows`` (DarkNet's FC weights: out x in, used as in x out)."""
    shape = tuple(tensor.shape)
    return groups == 1 and len(shape) == 2 and rows != cols and shape == (cols, rows)


def _sgemm_spec(op, M, N, K_, groups, a: Buf, b: Buf, c: Buf, ta, tb, tile, unit, n_sms, kid) -> KernelSpec:
    TM, TN, TK = tile
    p = np.zeros(K.G_LEN, dtype=np.int64)
    p[K.G_M], p[K.G_N], p[K.G_K], p[K.G_GROUPS] = M, N, K_, groups
    p[K.G_TM], p[K.G_TN], p[K.G_TK] = TM, TN, TK
    for at, buf in ((K.G_A, a), (K.G_B, b), (K.G_C, c)):
        p[at : at + 4] = [buf.addr, buf.nbytes // groups, buf.nbytes, buf.itemsize_B]
    p[K.G_ACC] = int(bool(op.accumulate))
    p[K.G_TA], p[K.G_TB] = int(bool(ta)), int(bool(tb))
    p[K.G_UNIT], p[K.G_NSMS], p[K.G_CPS] = unit, n_sms, SGEMM_CTAS_PER_SM
    ctas = groups * -(-M // TM) * -(-N // TN)
    name = f"sgemm_{TM}x{TN}x{TK}_{'t' if ta else 'n'}{'t' if tb else 'n'}"
    return KernelSpec(kid, name, "sgemm", op.layer, op.pass_, op.name, ctas, ("sgemm", p))


def _elementwise_spec(name, kind, layer, pass_, opname, reads, writes, kid) -> KernelSpec:
    bufs = [*reads, *writes]
    # One thread per output element, as DarkNet's kernels are written (maxpool: per output; col2im: per image
    # element, summing its taps); a larger input is read 32 * E / T elements per warp, at most
    # MAX_READS_PER_THREAD elements per thread so that a reduction's warps stay bounded.
    big_read = max((b.elements for b in reads), default=1)
    T = max(max((b.elements for b in writes), default=1), -(-big_read // MAX_READS_PER_THREAD), 1)
    bases = np.array([b.addr for b in bufs], dtype=np.int64)
    sizes = np.array([b.nbytes for b in bufs], dtype=np.int64)
    elems = np.array([b.elements for b in bufs], dtype=np.int64)
    isz = np.array([b.itemsize_B for b in bufs], dtype=np.int64)
    is_w = np.array([False] * len(reads) + [True] * len(writes), dtype=np.bool_)
    warps = -(-T // 32)
    ctas = -(-warps // 8)
    return KernelSpec(kid, name, kind, layer, pass_, opname, ctas, ("elementwise", T, bases, sizes, elems, isz, is_w))


GATHER_KINDS = ("embedding", "embedding_grad")


def _gather_spec(op, addrs, token_ids, kid) -> KernelSpec | None:
    """A row gather/scatter kernel for an embedding op, or None when its tensors do not fit that shape."""
    tensors = [*op.reads, *op.writes]
    ids_t = [t for t in op.reads if t.dtype == "int32"]
    tables = [t for t in tensors if t.kind in ("weight", "weight_grad") and len(t.shape) == 2]
    if len(ids_t) != 1 or not tables or len({t.name for t in tables}) != 1:
        return None
    ids_t, table = ids_t[0], tables[0]
    vocab, D = (int(x) for x in table.shape)
    T = int(ids_t.elements) * D
    modes = []
    for t in tensors:
        if t.name == ids_t.name:
            modes.append(K.GATHER_ROW)
        elif t.name == table.name:
            modes.append(K.GATHER_TABLE)
        elif t.elements == T:
            modes.append(K.GATHER_DENSE)
        else:
            return None
    if T <= 0 or vocab <= 0:
        return None
    bufs = [Buf.of(t, addrs) for t in tensors]
    ids = token_ids(ids_t.name, vocab, int(ids_t.elements))
    params = ("gather", T, D, ids, np.array([b.addr for b in bufs], dtype=np.int64),
              np.array([b.nbytes for b in bufs], dtype=np.int64), np.array([b.itemsize_B for b in bufs], np.int64),
              np.array([False] * len(op.reads) + [True] * len(op.writes), dtype=np.bool_),
              np.array(modes, dtype=np.int64))
    warps = -(-T // 32)
    ctas = -(-warps // 8)
    return KernelSpec(kid, f"{op.kind}_kernel", op.kind, op.layer, op.pass_, op.name, ctas, params)


def _explicit_lowerings(ops) -> set:
    """(kind, column tensor, activation tensor) of im2col/col2im ops the workload already lists."""
    out = set()
    for op in ops:
        kind = getattr(op, "kind", None)
        if kind == "im2col":
            for r in op.reads:
                for w in op.writes:
                    out.add(("im2col", w.name, r.name))
        elif kind == "col2im":
            for r in op.reads:
                for w in op.writes:
                    out.add(("col2im", r.name, w.name))
    return out


def _per_image_split(op, col, lowered) -> tuple[int, str] | None:
    """(images, which GEMM dimension holds them) when ``op`` can run as DarkNet's per-image loop."""
    shape = tuple(lowered.shape)
    images = int(shape[0]) if len(shape) >= 2 else 1
    if images <= 1 or col.elements % images or lowered.elements % images:
        return None
    if op.lowered_operand == "c" and op.N % images == 0:
        return images, "N"  # backward-data: dcol[kdim, B*OHW]
    if op.lowered_operand == "b" and op.pass_ == "backward_weight" and op.K % images == 0:
        return images, "K"  # backward-weight: dW += dout[., B*OHW] . col^T
    if op.lowered_operand == "b" and op.N % images == 0:
        return images, "N"  # forward: out[., B*OHW] = W . col
    return None


def build_kernels(ops, addrs, *, tile, unit, n_sms, per_image=True, token_ids=None) -> list[KernelSpec]:
    """The launch sequence for ``ops`` (see module docstring).

    ``token_ids(name, vocab, n)`` gives the row ids an embedding op looks up (default: uniform, seed 0).
    """
    token_ids = token_ids or TokenIds(0)
    explicit = _explicit_lowerings(ops)
    specs: list[KernelSpec] = []

    def ew(name, kind, op, reads, writes):
        specs.append(_elementwise_spec(name, kind, op.layer, op.pass_, op.name, reads, writes, len(specs)))

    def gemm(op, M, N, K_, a, b, c, ta, tb):
        specs.append(_sgemm_spec(op, M, N, K_, op.groups, a, b, c, ta, tb, tile, unit, n_sms, len(specs)))

    for op in ops:
        if hasattr(op, "reads"):
            spec = _gather_spec(op, addrs, token_ids, len(specs)) if op.kind in GATHER_KINDS else None
            if spec is not None:
                specs.append(spec)
                continue
            ew(f"{op.kind}_kernel", op.kind, op, [Buf.of(t, addrs) for t in op.reads],
               [Buf.of(t, addrs) for t in op.writes])
            continue
        a, b, c = Buf.of(op.a, addrs), Buf.of(op.b, addrs), Buf.of(op.c, addrs)
        ta = getattr(op, "trans_a", None)
        tb = getattr(op, "trans_b", None)
        ta = _transposed(op.a, op.M, op.K, op.groups) if ta is None else ta
        tb = _transposed(op.b, op.K, op.N, op.groups) if tb is None else tb
        lowered = getattr(op, "lowered", None)
        col = None
        if lowered is not None and op.lowered_operand in ("a", "b", "c", None):
            col = getattr(op, op.lowered_operand or "c")
        im2col = col is not None and col is not op.c and ("im2col", col.name, lowered.name) not in explicit
        col2im = col is not None and col is op.c and ("col2im", col.name, lowered.name) not in explicit
        split = _per_image_split(op, col, lowered) if per_image and (im2col or col2im) else None
        if split is None:
            low = Buf.of(lowered, addrs) if lowered is not None else None
            if im2col:
                ew("im2col_gpu_kernel", "im2col", op, [low], [Buf.of(col, addrs)])
            gemm(op, op.M, op.N, op.K, a, b, c, ta, tb)
            if col2im:
                # DarkNet's col2im adds into the image gradient (data_im[i] += val): read-modify-write.
                ew("col2im_gpu_kernel", "col2im", op, [c, low], [low])
            continue
        # DarkNet's loop: per image, im2col into one reused workspace (the first image's share of the column
        # tensor), then a GEMM on that image's slices; backward-weight uses col^T (gemm TB=1), backward-data
        # W^T (gemm TA=1) and ends with col2im into the image's gradient.
        images, dim = split
        low = Buf.of(lowered, addrs)
        ws = Buf.of(col, addrs).slice(0, images)
        for i in range(images):
            img = low.slice(i, images)
            if op.lowered_operand == "c":
                gemm(op, op.M, op.N // images, op.K, a, b.slice(i, images), ws, True, False)
                ew("col2im_gpu_kernel", "col2im", op, [ws, img], [img])
            elif dim == "K":
                ew("im2col_gpu_kernel", "im2col", op, [img], [ws])
                gemm(op, op.M, op.N, op.K // images, a.slice(i, images), ws, c, False, True)
            else:
                ew("im2col_gpu_kernel", "im2col", op, [img], [ws])
                gemm(op, op.M, op.N // images, op.K, a, ws, c.slice(i, images), ta, False)
    return specs


class TokenIds:
    """Seeded token ids per (ids tensor, vocabulary): uniform over ``[0, vocab)``, drawn once and kept."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self.drawn: dict[tuple[str, int], np.ndarray] = {}

    def __call__(self, name: str, vocab: int, n: int) -> np.ndarray:
        key = (name, vocab)
        if key not in self.drawn or len(self.drawn[key]) != n:
            rng = np.random.default_rng([self.seed, zlib.crc32(name.encode())])
            self.drawn[key] = rng.integers(0, vocab, size=n, dtype=np.int64)
        return self.drawn[key]


def _max_step(spec: KernelSpec, unit: int) -> int:
    """Upper bound on the requests one step of ``spec`` emits (the fill overshoots by at most this)."""
    if spec.params[0] == "gather":
        _, _, D, _, _, _, isz, _, mode = spec.params
        return int(sum(32 * int(s) // unit + 2 * (32 // D + 2 if m == K.GATHER_TABLE else 1)
                       for s, m in zip(isz, mode, strict=True)))
    if spec.params[0] == "sgemm":
        p = spec.params[1]
        TM, TN, TK = int(p[K.G_TM]), int(p[K.G_TN]), int(p[K.G_TK])
        isa, isb = int(p[K.G_A + 3]), int(p[K.G_B + 3])
        a = max(TM * (TK * isa // unit + 2), TK * (TM * isa // unit + 2))
        b = max(TK * (TN * isb // unit + 2), TN * (TK * isb // unit + 2))
        c = 2 * TM * (TN * int(p[K.G_C + 3]) // unit + 2)
        return max(a + b, c)
    _, T, _, _, elems, isz, _ = spec.params
    return int(sum((-(-32 * int(e) // T) + 1) * int(s) // unit + 2 for e, s in zip(elems, isz, strict=True)))


THREADS_PER_CTA = 256
WARPS_PER_CTA = THREADS_PER_CTA // 32


def _cta_shape(spec: KernelSpec) -> dict:
    """How a kernel's CTAs run, for the timed engine: ``threads_per_cta``; ``ctas_per_sm`` (the occupancy the
    wave order assumes); ``steps`` per CTA (an SGEMM's k-steps plus its C-tile epilogue, an element-wise or gather
    CTA's warps); ``step_sync`` whether a CTA's steps run one after another (the SGEMM's ``__syncthreads`` after
    each k-step) rather than side by side (independent warps)."""
    if spec.params[0] == "sgemm":
        p = spec.params[1]
        steps = -(-int(p[K.G_K]) // int(p[K.G_TK])) + 1
        return dict(threads_per_cta=THREADS_PER_CTA, ctas_per_sm=SGEMM_CTAS_PER_SM, steps=steps, step_sync=True)
    return dict(threads_per_cta=THREADS_PER_CTA, ctas_per_sm=ELEMENTWISE_CTAS_PER_SM, steps=WARPS_PER_CTA,
                step_sync=False)


def _fill(spec: KernelSpec, state, addr, w, sm, n, stop_at, unit, n_sms) -> int:
    if spec.params[0] == "sgemm":
        return K.sgemm_fill(spec.params[1], state, addr, w, sm, n, stop_at)
    if spec.params[0] == "gather":
        _, T, D, ids, bases, sizes, isz, is_w, mode = spec.params
        return K.gather_fill(T, D, ids, bases, sizes, isz, is_w, mode, unit, n_sms, ELEMENTWISE_CTAS_PER_SM, state,
                             addr, w, sm, n, stop_at)
    _, T, bases, sizes, elems, isz, is_w = spec.params
    return K.elementwise_fill(
        T, bases, sizes, elems, isz, is_w, unit, n_sms, ELEMENTWISE_CTAS_PER_SM, state, addr, w, sm, n, stop_at
    )


def _count(spec: KernelSpec, unit: int) -> tuple[int, int]:
    if spec.params[0] == "sgemm":
        r, w = K.sgemm_count(spec.params[1])
    elif spec.params[0] == "gather":
        _, T, D, ids, bases, sizes, isz, is_w, mode = spec.params
        r, w = K.gather_count(T, D, ids, bases, sizes, isz, is_w, mode, unit)
    else:
        _, T, bases, sizes, elems, isz, is_w = spec.params
        r, w = K.elementwise_count(T, bases, sizes, elems, isz, is_w, unit)
    return int(r), int(w)


class GpuTrace:
    """The request stream of ``ops`` on an ``n_sms`` GPU; iterate it for :class:`TraceChunk` s.

    Iterating twice regenerates the same stream (nothing is cached). Every
    chunk holds ``chunk_size`` requests except the last. ``kernels`` is a
    DataFrame of the launch sequence with each kernel's expected read and
    write request counts (computed in closed form, not by generating).
    """

    def __init__(self, ops, *, n_sms=28, line_B=128, sector_B=None, chunk_size=DEFAULT_CHUNK, tile=None,
                 per_image=True, allocator: TensorAllocator | None = None, seed: int = 0):
        ops = list(ops)
        if int(n_sms) <= 0:
            raise ConfigError("n_sms", f"must be positive, got {n_sms}")
        unit = int(sector_B) if sector_B else int(line_B)
        if unit <= 0 or unit & (unit - 1):
            raise ConfigError("sector_B" if sector_B else "line_B", f"must be a positive power of two, got {unit}")
        if int(chunk_size) <= 0:
            raise ConfigError("chunk_size", f"must be positive, got {chunk_size}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError("seed", f"must be a non-negative integer, got {seed!r}")
        tile = tuple(int(x) for x in (tile or SGEMM_TILE))
        if len(tile) != 3 or min(tile) <= 0:
            raise ConfigError("tile", f"must be three positive ints (TM, TN, TK), got {tile}")
        self.ops = ops
        self.n_sms = int(n_sms)
        self.unit_B = unit
        self.line_B = int(line_B)
        self.sector_B = int(sector_B) if sector_B else None
        self.chunk_size = int(chunk_size)
        self.tile = tile
        self.addresses, self.allocator = plan_addresses(ops, allocator)
        self.per_image = bool(per_image)
        self.seed = int(seed)
        self.token_ids = TokenIds(self.seed)
        """Row ids embedding ops look up: ``token_ids.drawn[(ids tensor name, vocab)]``."""
        self.specs = build_kernels(ops, self.addresses, tile=tile, unit=unit, n_sms=self.n_sms,
                                   per_image=self.per_image, token_ids=self.token_ids)
        self._kernels: pd.DataFrame | None = None

    @property
    def kernels(self) -> pd.DataFrame:
        """One row per launched kernel: id, name, kind, layer, pass_, op, ctas, reads, writes, requests, and the
        CTA shape the timed engine schedules (:func:`_cta_shape`): threads_per_cta, ctas_per_sm, steps,
        step_sync."""
        if self._kernels is None:
            rows = []
            for s in self.specs:
                r, w = _count(s, self.unit_B)
                rows.append(dict(kernel=s.kernel, name=s.name, kind=s.kind, layer=s.layer, pass_=s.pass_, op=s.op,
                                 ctas=s.ctas, reads=r, writes=w, requests=r + w, **_cta_shape(s)))
            cols = ["kernel", "name", "kind", "layer", "pass_", "op", "ctas", "reads", "writes", "requests",
                    "threads_per_cta", "ctas_per_sm", "steps", "step_sync"]
            self._kernels = pd.DataFrame(rows, columns=cols)
        return self._kernels

    @property
    def n_accesses(self) -> int:
        """Total requests the stream will yield."""
        return int(self.kernels["requests"].sum())

    def __len__(self) -> int:
        return self.n_accesses

    def iter_kernel(self, kernel: int) -> Iterator[TraceChunk]:
        """The chunks of one kernel alone (handy for per-kernel checks)."""
        yield from self._generate([self.specs[kernel]])

    def __iter__(self) -> Iterator[TraceChunk]:
        return self._generate(self.specs)

    def _generate(self, specs) -> Iterator[TraceChunk]:
        cs, unit, n_sms = self.chunk_size, self.unit_B, self.n_sms
        slack = max((_max_step(s, unit) for s in specs), default=0)
        cap = cs + slack

        pool: list[tuple] = []

        def fresh():
            # Reuse a buffer set once nobody else references it (the consumer dropped the chunk's views):
            # touching fresh pages costs about a third of the generation time.
            for bufs, base in pool:
                if [sys.getrefcount(b) for b in bufs] == base:
                    return bufs
            bufs = (np.empty(cap, np.uint64), np.empty(cap, np.bool_), np.empty(cap, np.int32),
                    np.empty(cap, np.int32))
            pool.append((bufs, [sys.getrefcount(b) for b in bufs]))
            if len(pool) > 3:
                pool.pop(0)  # still held by the consumer: it owns that one now
            return bufs

        addr, w, sm, kern = fresh()
        n = 0
        for spec in specs:
            state = K.empty_state()
            while True:
                n0 = n
                n = _fill(spec, state, addr, w, sm, n, cs, unit, n_sms)
                kern[n0:n] = spec.kernel
                if n < cs:
                    break  # kernel finished inside this chunk
                out = TraceChunk(addr[:cs], w[:cs], sm[:cs], kern[:cs])
                rest = n - cs
                nxt = fresh()
                for src, dst in zip((addr, w, sm, kern), nxt, strict=True):
                    dst[:rest] = src[cs:n]
                addr, w, sm, kern = nxt
                n = rest
                yield out
        if n:
            yield TraceChunk(addr[:n], w[:n], sm[:n], kern[:n])


def gpu_trace(ops, *, n_sms=28, line_B=128, sector_B=None, chunk_size=DEFAULT_CHUNK, tile=None,
              per_image=True, seed=0) -> GpuTrace:
    """Memory requests of ``ops`` as a re-iterable stream of :class:`TraceChunk`.

    Parameters
    ----------
    ops : iterable of workloads.ops.Gemm / Elementwise
        A lowered step, in execution order.
    n_sms : int
        SMs CTAs are spread over (28 on a GTX 1080 Ti).
    line_B : int
        Cache line size in bytes; one request per line a warp touches.
    sector_B : int, optional
        If given (e.g. 32), one request per sector instead.
    chunk_size : int
        Requests per chunk (all but the last chunk are exactly this long).
    tile : (TM, TN, TK), optional
        SGEMM CTA tile; default (128, 128, 8).
    per_image : bool
        Run lowered convolutions as DarkNet does, image by image through one
        reused im2col workspace (default); False keeps the batch folded into
        one GEMM over the whole column tensor.
    seed : int
        Seed of the token ids embedding lookups read (see the module docstring).
    """
    return GpuTrace(ops, n_sms=n_sms, line_B=line_B, sector_B=sector_B, chunk_size=chunk_size, tile=tile,
                    per_image=per_image, seed=seed)


def _chip_attr(chip, *names):
    """First non-None of dotted attribute ``names`` on ``chip`` (duck-typed: no simulator import)."""
    for name in names:
        v = chip
        for part in name.split("."):
            v = getattr(v, part, None)
        if v is not None:
            return v
    return None


def network_trace(net_or_name, *, phase="inference", batch=1, dataset=None, chip=None, n_sms=None, line_B=None,
                  sector_B=None, chunk_size=DEFAULT_CHUNK, per_image=True, seed=0) -> GpuTrace:
    """Trace of a zoo network (or any object with ``.ops(phase=, batch=)``) on ``chip``.

    ``chip`` is read duck-typed (``n_sms``; ``line_B``/``l2_line_B``/``l2.line_B``;
    ``sector_B``/``l2_sector_B``) so that traces never imports the simulator;
    explicit keyword arguments win over the chip's values.
    """
    if isinstance(net_or_name, str):
        net = zoo.get(net_or_name, dataset=dataset) if dataset else zoo.get(net_or_name)
    else:
        net = net_or_name
    ops = net.ops(phase=phase, batch=batch)
    if chip is not None:
        n_sms = n_sms or _chip_attr(chip, "n_sms")
        line_B = line_B or _chip_attr(chip, "line_B", "l2_line_B", "l2.line_B")
        sector_B = sector_B or _chip_attr(chip, "sector_B", "l2_sector_B")
    return GpuTrace(ops, n_sms=n_sms or 28, line_B=line_B or 128, sector_B=sector_B, chunk_size=chunk_size,
                    per_image=per_image, seed=seed)
