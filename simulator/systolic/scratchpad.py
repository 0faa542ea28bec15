"""Software-managed scratchpads of the systolic training accelerator: placement, eviction, DMA.

The policy is the one of the scratchpad seed paper (Roy, Wang, Raghunathan,
"Evaluation of STT-MRAM as a Scratchpad for Training in ML Accelerators", §IV
assumptions 1-4):

1. three buffers, activation, weight and error, by default a third of the total
   capacity each (the split is configurable);
2. DRAM and on-chip accesses are sequential (the timeline in :mod:`simulator.systolic.accelerator`
   can overlap them instead);
3. a data structure (one tensor of one layer: its activations, weights,
   errors...) lives on chip only if the whole of it fits its buffer; otherwise
   every access to it goes to DRAM (it is *streamed*);
4. structures are evicted one by one, to make room, in the order they were
   stored during the forward pass, and in the reverse order during the backward
   pass (deepest layer first, i.e. the structures the backward pass is done with).

What the paper leaves open, and what nvmsim does (documented choices):

* a structure that fits and is not resident is *filled* from DRAM when an op
  reads it (DRAM read + on-chip write of its whole size) and *allocated* without a
  fill when an op only writes it (an output) or when it has no contents yet (an
  accumulator such as a weight gradient read before its first write starts from zeros);
* an evicted structure is written back to DRAM (on-chip read + DRAM write) only if
  it is dirty and still needed later in the step (or persistent: weights, optimizer
  state); a dead one is simply dropped;
* a streamed operand moves between DRAM and the array as often as the array
  reads it: ``ceil(N/C)`` passes over A for an OS GEMM, as SCALE-Sim's CALC mode
  re-reads an operand that does not fit once per fold that touches it (see
  ``reference``: SCALE-Sim §2.3);
* if two structures of one op share a buffer and do not fit together, the one
  that cannot be placed without evicting the other is streamed for that op;
* at the end of the step, dirty persistent structures still on chip are written
  back (``flush_at_end``), so that every step starts from DRAM.

Counts only here (bytes per op and buffer); energy and time come after, per technology.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import simpy

from models.errors import ConfigError
from simulator.systolic.array import gemm_cycles, operand_accesses
from workloads.ops import Elementwise, Gemm, Tensor

BUFFERS = ("activation", "weight", "error")

#: Which buffer each tensor kind of ``workloads.ops.TENSOR_KINDS`` lives in (configurable).
DEFAULT_KIND_BUFFER = {
    "input": "activation",
    "activation": "activation",
    "workspace": "activation",
    "weight": "weight",
    "optimizer": "weight",
    "error": "error",
    "weight_grad": "error",
}

#: Tensor kinds that outlive a training step (written back when dirty, never dead).
PERSISTENT_KINDS = frozenset({"weight", "optimizer"})

BACKWARD_PASSES = frozenset({"backward_data", "backward_weight", "update"})


@dataclass(frozen=True)
class PlacementConfig:
    """Buffer capacities (bytes) and the knobs of the placement policy."""

    capacity_B: tuple[int, int, int]
    kind_buffer: dict = field(default_factory=lambda: dict(DEFAULT_KIND_BUFFER))
    eviction: str = "paper"
    flush_at_end: bool = True

    def __post_init__(self):
        if len(self.capacity_B) != len(BUFFERS):
            raise ConfigError("scratchpad.capacity", f"need {len(BUFFERS)} buffer capacities, got {self.capacity_B}")
        for name, cap in zip(BUFFERS, self.capacity_B, strict=True):
            if cap < 0:
                raise ConfigError(f"scratchpad.{name}", f"capacity must be non-negative, got {cap}")
        for kind, buf in self.kind_buffer.items():
            if buf not in BUFFERS:
                raise ConfigError(f"scratchpad.kinds.{kind}", f"must be one of {', '.join(BUFFERS)}, got {buf!r}")
        if self.eviction not in EVICTION_POLICIES:
            valid = ", ".join(sorted(EVICTION_POLICIES))
            raise ConfigError("scratchpad.eviction", f"unknown policy {self.eviction!r}; valid: {valid}")


@dataclass
class _Resident:
    nbytes: int
    layer_index: int
    seq: int
    dirty: bool
    persistent: bool


# ---------------------------------------------------------------------------------------------------------------
# Eviction policies: pick a victim among the unpinned residents of one buffer. Registered by name.


def _victim_paper(cands: dict, phase_backward: bool, next_use: Callable[[str], int]) -> str:
    """§IV assumption 4: forward → first stored first; backward → deepest layer first (reverse order)."""
    if phase_backward:
        return max(cands, key=lambda n: (cands[n].layer_index, cands[n].seq))
    return min(cands, key=lambda n: cands[n].seq)


def _victim_dead_first(cands: dict, phase_backward: bool, next_use: Callable[[str], int]) -> str:
    """Drop structures with no later use first (free: no write-back), then the paper's order."""
    dead = {n: r for n, r in cands.items() if not r.persistent and next_use(n) < 0}
    return _victim_paper(dead or cands, phase_backward, next_use)


def _victim_belady(cands: dict, phase_backward: bool, next_use: Callable[[str], int]) -> str:
    """Evict the structure whose next use is farthest away (an oracle bound, not a real policy)."""
    def key(n):
        u = next_use(n)
        return (1 << 62) if u < 0 else u
    return max(cands, key=key)


EVICTION_POLICIES: dict[str, Callable] = {
    "paper": _victim_paper,
    "dead_first": _victim_dead_first,
    "belady": _victim_belady,
}


# ---------------------------------------------------------------------------------------------------------------
# Per-op operand traffic (elements) on the array side.


@dataclass(frozen=True)
class Access:
    """Elements one op reads and writes of one storage tensor.

    ``stream_*`` are the elements that cross the DRAM interface when the tensor is
    streamed (does not fit its buffer): equal to the array-side counts, except for a
    lowered (im2col / col2im) operand, whose overlapping windows are served by the
    array's line buffer, so each pass moves the real tensor once
    (``elements × real/lowered size``).
    """

    tensor: Tensor
    read_elems: int
    write_elems: int
    stream_read_elems: int
    stream_write_elems: int


def _storage(op: Gemm, which: str) -> tuple[Tensor, float]:
    """The tensor an operand really lives in (a lowered view maps to its activation/error) and the
    DRAM de-duplication factor of streaming it."""
    t = getattr(op, which)
    if op.lowered is not None and op.lowered_operand == which:
        ratio = min(1.0, op.lowered.elements / max(1, t.elements))
        return op.lowered, ratio
    return t, 1.0


def op_accesses(op, rows: int, cols: int, dataflow: str) -> list[Access]:
    """Storage tensors an op touches and how many elements it reads / writes of each."""
    merged: dict[str, list] = {}

    def add(t: Tensor, r: int, w: int, ratio: float = 1.0):
        sr = int(round(r * ratio))
        sw = int(round(w * ratio))
        if t.name in merged:
            m = merged[t.name]
            m[1] += r
            m[2] += w
            m[3] += sr
            m[4] += sw
        else:
            merged[t.name] = [t, r, w, sr, sw]

    if isinstance(op, Gemm):
        acc = operand_accesses(op.M, op.N, op.K, rows, cols, dataflow)
        g = op.groups
        add(*_storage(op, "a")[:1], acc.a_reads * g, 0, _storage(op, "a")[1])
        add(*_storage(op, "b")[:1], acc.b_reads * g, 0, _storage(op, "b")[1])
        c_reads = acc.c_reads + (op.M * op.N if op.accumulate else 0)
        add(*_storage(op, "c")[:1], c_reads * g, acc.c_writes * g, _storage(op, "c")[1])
    elif isinstance(op, Elementwise):
        for t in op.reads:
            add(t, t.elements, 0)
        for t in op.writes:
            add(t, 0, t.elements)
    else:
        raise ConfigError("ops", f"unsupported op type {type(op).__name__}")
    return [Access(*m) for m in merged.values()]


# ---------------------------------------------------------------------------------------------------------------
# The placement walk.


@lru_cache(maxsize=65536)
def _gemm_cycles_cached(M, N, K, rows, cols, dataflow, overlap):
    return gemm_cycles(M, N, K, rows, cols, dataflow, overlap)



@dataclass(frozen=True)
class StepCounts:
    """Per-op counts of one training step (numpy arrays, one entry per op; bytes unless named).

    ``onchip_read_B[i, b]`` / ``onchip_write_B[i, b]`` are bytes read from / written to
    buffer ``b`` (order :data:`BUFFERS`) by op ``i``, fills and write-backs included.
    ``dram_in_B`` is what the DMA engine moves before the op's compute (fills,
    write-backs of victims, streamed reads), ``dram_out_B`` after (streamed writes,
    end-of-step flush on the last op). ``dram_read_B``/``dram_write_B`` split the
    same traffic by direction.
    """

    names: list
    layers: list
    passes: list
    kinds: list
    macs: np.ndarray
    flops: np.ndarray
    compute_cycles: np.ndarray
    onchip_read_B: np.ndarray
    onchip_write_B: np.ndarray
    dram_read_B: np.ndarray
    dram_write_B: np.ndarray
    dram_in_B: np.ndarray
    dram_out_B: np.ndarray
    fills: np.ndarray
    writebacks: np.ndarray
    streamed_B: np.ndarray
    events: list = field(default_factory=list)

    @property
    def n_ops(self) -> int:
        return len(self.names)


def place_step(
    ops: Sequence,
    cfg: PlacementConfig,
    rows: int = 256,
    cols: int = 256,
    dataflow: str = "os",
    overlap_folds: bool = False,
    elementwise_lanes: int = 256,
    record_events: bool = False,
    accesses: list | None = None,
) -> StepCounts:
    """Walk the ops of one training step through the scratchpads and count every byte moved.

    Parameters
    ----------
    ops : sequence of :class:`workloads.ops.Gemm` / :class:`workloads.ops.Elementwise`
        One step in execution order.
    cfg : PlacementConfig
        Buffer capacities in bytes and the policy.
    rows, cols, dataflow, overlap_folds
        The array (see :func:`simulator.systolic.array.gemm_cycles`).
    elementwise_lanes : int
        Elements per cycle of the vector unit that runs element-wise ops.
    record_events : bool
        Keep a list of ``(op_index, event, tensor, buffer)`` tuples
        (``fill``/``alloc``/``evict``/``writeback``/``stream``/``flush``) for tests and debugging.
    accesses : list, optional
        ``[op_accesses(op, rows, cols, dataflow) for op in ops]``, precomputed to reuse across capacities.

    Returns
    -------
    StepCounts
    """
    n = len(ops)
    nb = len(BUFFERS)
    victim = EVICTION_POLICIES[cfg.eviction]
    on_r = np.zeros((n, nb), dtype=np.int64)
    on_w = np.zeros((n, nb), dtype=np.int64)
    d_r = np.zeros(n, dtype=np.int64)
    d_w = np.zeros(n, dtype=np.int64)
    d_in = np.zeros(n, dtype=np.int64)
    d_out = np.zeros(n, dtype=np.int64)
    fills = np.zeros(n, dtype=np.int64)
    wbs = np.zeros(n, dtype=np.int64)
    streamed = np.zeros(n, dtype=np.int64)
    macs = np.zeros(n, dtype=np.int64)
    flops = np.zeros(n, dtype=np.int64)
    cyc = np.zeros(n, dtype=np.int64)
    events: list = []

    if accesses is None:
        accesses = [op_accesses(op, rows, cols, dataflow) for op in ops]

    # Liveness: the op indices using each storage tensor, and the forward layer order.
    uses: dict[str, list[int]] = {}
    layer_order: dict[str, int] = {}
    for i, (op, accs) in enumerate(zip(ops, accesses, strict=True)):
        layer_order.setdefault(op.layer, len(layer_order))
        for a in accs:
            uses.setdefault(a.tensor.name, []).append(i)
    first_layer: dict[str, int] = {}
    for op, accs in zip(ops, accesses, strict=True):
        for a in accs:
            first_layer.setdefault(a.tensor.name, layer_order[op.layer])
    use_ptr = {name: 0 for name in uses}

    def next_use(name: str) -> int:
        lst = uses[name]
        k = use_ptr[name]
        return lst[k] if k < len(lst) else -1

    produced: set[str] = set()

    def in_memory(t: Tensor) -> bool:
        """Whether a tensor has contents to fetch: step inputs, persistent state, or written earlier this step.
        (An accumulator read before its first write, e.g. a gradient, starts from zeros: no DRAM read.)"""
        return t.kind in PERSISTENT_KINDS or t.kind == "input" or t.name in produced

    resident: list[dict[str, _Resident]] = [dict() for _ in range(nb)]
    used_B = [0] * nb
    seq = 0

    def buffer_of(t: Tensor) -> int:
        kind = cfg.kind_buffer.get(t.kind)
        if kind is None:
            raise ConfigError(f"scratchpad.kinds.{t.kind}", f"no buffer assigned to tensor kind {t.kind!r}")
        return BUFFERS.index(kind)

    for i, (op, accs) in enumerate(zip(ops, accesses, strict=True)):
        backward = op.pass_ in BACKWARD_PASSES
        for a in accs:
            use_ptr[a.tensor.name] += 1  # uses after this op are what "future" means from here
        pinned = {a.tensor.name for a in accs}
        for a in accs:
            t = a.tensor
            b = buffer_of(t)
            item = t.itemsize_B
            rd_B = a.read_elems * item
            wr_B = a.write_elems * item
            cap = cfg.capacity_B[b]
            res = resident[b]
            placed = t.name in res
            if not placed and t.nbytes <= cap:
                # make room: evict unpinned residents in policy order
                while used_B[b] + t.nbytes > cap:
                    cands = {k: r for k, r in res.items() if k not in pinned}
                    if not cands:
                        break
                    v = victim(cands, backward, next_use)
                    r = res.pop(v)
                    used_B[b] -= r.nbytes
                    live = r.persistent or next_use(v) >= 0
                    if record_events:
                        events.append((i, "evict", v, BUFFERS[b]))
                    if r.dirty and live:
                        on_r[i, b] += r.nbytes
                        d_w[i] += r.nbytes
                        d_in[i] += r.nbytes
                        wbs[i] += 1
                        if record_events:
                            events.append((i, "writeback", v, BUFFERS[b]))
                if used_B[b] + t.nbytes <= cap:
                    res[t.name] = _Resident(t.nbytes, first_layer[t.name], seq, False, t.kind in PERSISTENT_KINDS)
                    seq += 1
                    used_B[b] += t.nbytes
                    placed = True
                    if rd_B > 0 and in_memory(t):
                        d_r[i] += t.nbytes
                        d_in[i] += t.nbytes
                        on_w[i, b] += t.nbytes
                        fills[i] += 1
                        if record_events:
                            events.append((i, "fill", t.name, BUFFERS[b]))
                    elif record_events:
                        events.append((i, "alloc", t.name, BUFFERS[b]))
            if placed:
                on_r[i, b] += rd_B
                on_w[i, b] += wr_B
                if wr_B > 0:
                    res[t.name].dirty = True
            else:
                srd_B = a.stream_read_elems * item if in_memory(t) else 0
                swr_B = a.stream_write_elems * item
                d_r[i] += srd_B
                d_in[i] += srd_B
                d_w[i] += swr_B
                d_out[i] += swr_B
                streamed[i] += srd_B + swr_B
                if record_events:
                    events.append((i, "stream", t.name, BUFFERS[b]))
            if wr_B > 0:
                produced.add(t.name)
        # Dead structures are no longer tracked as dirty: they will be dropped, not written back.
        if isinstance(op, Gemm):
            macs[i] = op.macs
            cyc[i] = op.groups * _gemm_cycles_cached(op.M, op.N, op.K, rows, cols, dataflow, overlap_folds)
        else:
            flops[i] = op.flops
            elems = max(sum(a.read_elems for a in accs), sum(a.write_elems for a in accs))
            cyc[i] = -(-elems // max(1, elementwise_lanes))

    if cfg.flush_at_end and n:
        for b in range(nb):
            for name, r in resident[b].items():
                if r.dirty and r.persistent:
                    on_r[n - 1, b] += r.nbytes
                    d_w[n - 1] += r.nbytes
                    d_out[n - 1] += r.nbytes
                    wbs[n - 1] += 1
                    if record_events:
                        events.append((n - 1, "flush", name, BUFFERS[b]))

    return StepCounts(
        names=[op.name for op in ops],
        layers=[op.layer for op in ops],
        passes=[op.pass_ for op in ops],
        kinds=["gemm" if isinstance(op, Gemm) else op.kind for op in ops],
        macs=macs,
        flops=flops,
        compute_cycles=cyc,
        onchip_read_B=on_r,
        onchip_write_B=on_w,
        dram_read_B=d_r,
        dram_write_B=d_w,
        dram_in_B=d_in,
        dram_out_B=d_out,
        fills=fills,
        writebacks=wbs,
        streamed_B=streamed,
        events=events,
    )


# ---------------------------------------------------------------------------------------------------------------
# DMA engine and array as SimPy processes (coarse events: one per op and direction).


def run_timeline(compute_cycles: np.ndarray, dma_in_cycles: np.ndarray, dma_out_cycles: np.ndarray,
                 overlap: bool = False) -> tuple[int, np.ndarray]:
    """Play one step on a SimPy clock (integer cycles) with an array process and a DMA engine.

    Sequential (the paper's assumption 2): op ``i`` loads, computes, stores, and
    op ``i+1`` starts after. Overlapped: the DMA engine (one channel, a SimPy
    resource) prefetches op ``i+1``'s inputs while the array computes op ``i``
    (one op of look-ahead) and stores outputs behind it.

    Returns
    -------
    (total_cycles, finish_cycle_per_op)
    """

    n = len(compute_cycles)
    env = simpy.Environment()
    dma = simpy.Resource(env, capacity=1)
    loaded = [env.event() for _ in range(n)]
    started = [env.event() for _ in range(n)]
    computed = [env.event() for _ in range(n)]
    stored = [env.event() for _ in range(n)]
    finish = np.zeros(n, dtype=np.int64)

    def array():
        for i in range(n):
            yield loaded[i]
            started[i].succeed()
            yield env.timeout(int(compute_cycles[i]))
            computed[i].succeed()

    def dma_in():
        for i in range(n):
            if i > 0:
                yield started[i - 1] if overlap else stored[i - 1]
            if dma_in_cycles[i] > 0:  # an op with nothing to load takes no DMA event
                with dma.request() as req:
                    yield req
                    yield env.timeout(int(dma_in_cycles[i]))
            loaded[i].succeed()

    def dma_out():
        for i in range(n):
            yield computed[i]
            if dma_out_cycles[i] > 0:
                with dma.request() as req:
                    yield req
                    yield env.timeout(int(dma_out_cycles[i]))
            finish[i] = env.now
            stored[i].succeed()

    env.process(array())
    env.process(dma_in())
    env.process(dma_out())
    env.run()
    return int(env.now), finish
