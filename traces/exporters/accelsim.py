"""nvmsim GPU traces -> Accel-Sim SASS traces (``kernelslist.g`` + ``kernel-N.traceg.xz``), for detailed simulation.

Why: nvmsim's kernels (:mod:`traces.gpu_trace`) are where its workloads come
from; written as the Accel-Sim tracer (``util/tracer_nvbit``, tracer version 4)
would have written them, the same kernels run unmodified in Accel-Sim's
trace-driven GPGPU-Sim, and :func:`traces.read_accelsim` reads them back.

**What is written.** ``kernelslist.g`` lists ``kernel-N.traceg.xz``, one per
kernel, where ``N`` = nvmsim kernel id + 1 (Accel-Sim counts kernels from 1;
an exported kernel range keeps its ids, as the tracer's kernel window does).
Each file has the tracer's header (kernel name, ``-kernel id = N``, grid
``(ctas,1,1)``, block ``(256,1,1)``, shmem 0, ``nregs``, binary version 61
(Pascal), CUDA stream 0, shared/local base addresses, nvbit version, tracer
version 4, lineinfo 0), then one ``#BEGIN_TB`` ... ``#END_TB`` block per CTA
in CTA order (Accel-Sim runs the blocks in file order, round-robin over SMs,
as nvmsim schedules them), each with its 8 warps: ``warp = w``, ``insts = k``
and ``k`` instruction lines. No ``MemcpyHtoD`` lines: Accel-Sim would pre-fill
its L2 with them, and nvmsim traces start cold.

**CTAs and steps.** The Numba fills produce a kernel's requests in (wave, step,
CTA slot) order. We run them with one CTA per wave (``n_sms`` = CTAs per SM =
1), which makes the order CTA-major, and call them one schedule position at a
time (``stop_at`` = one request past the fill level): each call emits exactly
one (CTA, step)'s requests and leaves ``state`` at the next position, which
names the one just emitted. About 1 us per call, no new kernel, and the fast
path (:class:`~traces.gpu_trace.GpuTrace` iteration) is untouched. Requests are
regenerated at 32 B sectors whatever the trace's unit (Accel-Sim's Pascal
coalescer sends one request per sector).

**Instructions.** Within one (CTA, step), consecutive sector requests that are
contiguous, in the same direction and inside one 128 B line become one warp
instruction: ``LDG.E`` / ``STG.E`` of 4 B lanes at ``base + 4 k`` (address
format 1, base + stride 4), 8 active lanes per sector -- mask ``000000ff`` for
one sector, ``ffffffff`` for four. Accel-Sim's coalescer turns it back into one
request per distinct sector, in ascending order, which is exactly what nvmsim
emitted; the lanes cover whole sectors, so a store's byte mask is always full.
An element-wise or gather step is one warp, so its instructions go to that
warp; an SGEMM k-step (or the C-tile epilogue) is the whole 256-thread CTA,
so its instructions are spread over the 8 warps in order (instruction ``i`` of
``m`` to warp ``8 i // m``, as the threads of a cooperative tile load are).

**Registers, PCs, EXIT.** Loads write ``R4``, ``R5``, ... cycling over the
kernel's ``nregs`` (128 for an SGEMM: two CTAs per SM; 32 for the others:
eight), so no load waits on another until a warp has that many in flight;
their address is ``R2``, a register no load writes. A static instruction is
"the j-th load (or store) of a warp's step" of the loop body (element-wise
warp, SGEMM k-step) or of the epilogue (the SGEMM's C tile); it gets a PC the
first time it appears in file order (``0008``, ``0010``, ``0018``, ``0028``,
... as the tracer lays out Pascal code, skipping every fourth 8 B slot, a
control word), so a PC always means the same instruction and opcode, in every
warp and CTA. Every warp ends with ``EXIT`` (mask ``ffffffff``): Accel-Sim
retires a warp, and so its CTA, only once all its threads have executed an
``EXIT``, and it needs at least one instruction per warp; warps with no work
(past the end of an element-wise kernel) have just that.

**Dependencies.** The kernels compute their stores from their loads, and an
SGEMM's CTA shares its k-step tiles through shared memory, so the trace keeps
the two waits that order their memory traffic (no arithmetic is written):

- a store's data registers are the destinations of its step's last load of
  the same 128 B line (an in-place update, ``W -= lr * dW``, reads what it
  overwrites) and of its step's last load (``R0``, written by nothing, when
  the step loaded nothing: the SGEMM's C tile). Accel-Sim's scoreboard holds
  the store until those loads are back, as ``y = f(x)`` must; without it a
  store could overtake the load of the same sector on its way to the L2 and
  turn that load into a hit (measured: 2 % of an SGD update's reads);
- after each k-step every warp of an SGEMM CTA runs ``MOV R3, R<last load>``
  (the wait the real kernel's ``STS`` of the tile into shared memory makes)
  and ``BAR.SYNC`` (its ``__syncthreads``), so a CTA starts a k-step once the
  previous one has arrived. Without them the warps that load A ran ahead of
  those that load B, and CTAs with narrower edge tiles ran ahead of their
  neighbours sharing A, changing L2 hits by 10 % (conv3 of AlexNet at 3 MB).
  With them a CTA's pace is its round-trip latency, the same for every CTA,
  which is what nvmsim's lock-step waves assume.

**Round trip.** :func:`traces.read_accelsim` of the written folder gives,
per kernel (its id + 1), exactly the multiset of (address, is_write) sector
requests -- and, with the same ``n_sms``, of (sm, address, is_write) -- of
the nvmsim trace generated with ``sector_B=32``. Only the order differs, and
only inside each CTA's share: the readback is CTA-major and warp by warp,
nvmsim interleaves a wave's CTAs step by step.

**Bounded memory, atomic output.** Kernels are written one at a time, each CTA
by CTA in batches of about :data:`BATCH_REQUESTS` requests (one CTA can make a
batch larger), so memory stays bounded whatever the network. Everything goes to
a hidden sibling directory that is renamed to ``out_dir`` at the end: a killed
or failed export leaves ``out_dir`` as it was. ``out_dir`` must be new or an
empty directory.
"""

from __future__ import annotations

import lzma
import os
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import ConfigError
from traces import _kernels as K
from traces.exporters import _format as F
from traces.gpu_trace import GpuTrace, KernelSpec, _max_step, network_trace

SECTOR_B = 32
LINE_B = 128
LANE_B = 4
THREADS_PER_CTA = 256
WARPS_PER_CTA = THREADS_PER_CTA // 32
NREGS = {"sgemm": 128, "elementwise": 32, "gather": 32}
"""Registers per thread written in the header: Accel-Sim then fits 2 SGEMM CTAs per SM (65536 / (256 x 128)) and 8
of the others, the occupancy nvmsim's scheduler assumes (``SGEMM_CTAS_PER_SM``, ``ELEMENTWISE_CTAS_PER_SM``)."""
FIRST_DEST_REG = 4
"""Loads write R4, R5, ...; R2 (the address) and R0 (the data of a store whose step loaded nothing) are never written;
the waits before SGEMM barriers write R3, which nothing reads (see _format)."""
BINARY_VERSION = 61
"""Pascal (sm_61, GTX 1080 Ti): selects Accel-Sim's Pascal opcode table."""
TRACER_VERSION = 4
NVBIT_VERSION = "1.5.5"
SHMEM_BASE = 0x00007F2B5A000000
LOCAL_BASE = 0x00007F2B58000000
"""Shared/local window addresses as the tracer prints them: far above nvmsim's heap (which starts at 4 GiB), and
only consulted by Accel-Sim for generic LD/ST, which an export never writes."""
XZ_PRESET = 0
"""xz level: the text is repetitive, so level 0 already shrinks it about 35x at about 50 MB/s (level 6: 66x at
0.6 MB/s); xz dominates the export's time."""
BATCH_REQUESTS = 1 << 16
"""Requests gathered (whole CTAs) before they are grouped and written."""
FORMAT_LINE = ("#traces format = [line_num] PC mask dest_num [reg_dests] opcode src_num [reg_srcs] mem_width "
               "[adrrescompress?] [mem_addresses]")

_PHASE_SHIFT = 40  # static-instruction code = ((phase * 2 + is_write) << _PHASE_SHIFT) + j
_EXIT_CODE = 4 << _PHASE_SHIFT
_BAR_CODE = 5 << _PHASE_SHIFT
_WAIT_CODE = 6 << _PHASE_SHIFT
_CTL_MEM, _CTL_WAIT, _CTL_BAR, _CTL_EXIT = 0, 1, 2, 3  # row order within a warp's step
_MASKS = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF], dtype=np.int64)  # active lanes per sector count


def write_accelsim(source, out_dir, *, phase: str = "inference", batch: int = 1, dataset: str | None = None,
                   seed: int = 0, kernels=None, layer: str | None = None,
                   progress: Callable[[Iterable, int], Iterable] | None = None) -> pd.DataFrame:
    """Write ``source``'s kernels as an Accel-Sim trace folder; return one row per kernel written.

    Parameters
    ----------
    source : GpuTrace, str or network
        A trace (its kernels are regenerated at 32 B sectors), or a zoo network
        name / object with ``.ops(phase=, batch=)`` traced with ``phase``,
        ``batch``, ``dataset`` and ``seed``.
    out_dir : str or Path
        A new or empty directory; refused (nothing written) if it is not empty
        or cannot be written.
    kernels : slice, range or iterable of int, optional
        nvmsim kernel ids to write (default all), e.g. ``slice(3, 6)``.
    layer : str, optional
        Only the kernels of this layer (with ``kernels``: of both).
    progress : callable, optional
        ``progress(iterable, total)`` wraps the kernel loop (a progress bar).

    Returns
    -------
    pandas.DataFrame
        ``kernel`` (nvmsim id), ``trace_file``, ``name``, ``layer``, ``pass_``, ``ctas``, ``warps``,
        ``warp_insts`` (every instruction line, EXIT included), ``mem_insts``, ``reads``, ``writes``,
        ``requests`` (sector requests). ``attrs["path"]`` is the folder.

    Raises
    ------
    models.errors.ConfigError
        ``out_dir`` not empty, not a directory or unwritable; an empty or
        unknown kernel selection; an unsupported ``source``.
    """
    out = Path(out_dir)
    if out.is_symlink() and out.is_dir():
        out = out.resolve()  # fill the directory it points to (a rename onto the link itself would fail)
    _check_out_dir(out)
    trace = _as_trace(source, phase=phase, batch=batch, dataset=dataset, seed=seed)
    specs = _select(trace.specs, kernels, layer)
    tmp = _make_sibling(out)
    try:
        rows = []
        loop = progress(specs, len(specs)) if progress is not None else specs
        for spec in loop:
            rows.append(_write_kernel(spec, tmp))
        (tmp / "kernelslist.g").write_text("".join(f"{r['trace_file']}\n" for r in rows), encoding="ascii")
        try:
            os.rename(tmp, out)
        except OSError as e:
            raise ConfigError(str(out), f"cannot move the finished export into place ({e.strerror or e}); "
                                        "nothing was written there") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    cols = ["kernel", "trace_file", "name", "layer", "pass_", "ctas", "warps", "warp_insts", "mem_insts", "reads",
            "writes", "requests"]
    df = pd.DataFrame(rows, columns=cols)
    df.attrs["path"] = str(out)
    return df


def _check_out_dir(out: Path) -> None:
    """Refuse before any work if ``out`` could not end up holding exactly this export."""
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise ConfigError(str(out), "exists and is not a directory; the export needs a new or empty directory")
        try:
            with os.scandir(out) as it:
                names = sorted(e.name for e in it)
        except OSError as e:
            raise ConfigError(str(out), f"cannot be read ({e.strerror or e})") from None
        if names:
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            raise ConfigError(str(out), f"is not empty ({len(names)} entries: {shown}); the export writes a new or "
                                        "empty directory, so that it never mixes with another trace")
        if not os.access(out, os.W_OK | os.X_OK):
            raise ConfigError(str(out), "is not writable")


def _make_sibling(out: Path) -> Path:
    """A fresh hidden directory next to ``out``, renamed onto it when the export is complete."""
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = parent / f".{out.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
        tmp.mkdir()
    except OSError as e:
        raise ConfigError(str(out), f"unwritable: cannot create a directory in {parent} ({e.strerror or e})") from None
    return tmp


def _as_trace(source, *, phase, batch, dataset, seed) -> GpuTrace:
    if isinstance(source, GpuTrace):
        return source
    if isinstance(source, str) or hasattr(source, "ops"):
        if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch <= 0:
            raise ConfigError("batch", f"must be a positive integer, got {batch!r}")
        return network_trace(source, phase=phase, batch=int(batch), dataset=dataset, sector_B=SECTOR_B, seed=seed)
    raise ConfigError("source", f"must be a GpuTrace, a zoo network name or a network, got {type(source).__name__} "
                                "(a plain chunk stream has no CTAs or warps to write)")


def _select(specs: list[KernelSpec], kernels, layer) -> list[KernelSpec]:
    n = len(specs)
    if kernels is None:
        chosen = list(range(n))
    elif isinstance(kernels, slice):
        if kernels.step not in (None, 1):
            raise ConfigError("kernels", f"must be a contiguous range, got step {kernels.step}")
        lo, hi = kernels.start, kernels.stop
        for v in (lo, hi):
            if v is not None and not 0 <= v <= n:
                raise ConfigError("kernels", f"{lo if lo is not None else ''}:{hi if hi is not None else ''} is "
                                             f"outside the trace's kernel ids 0..{n - 1}")
        chosen = list(range(n))[kernels]
    else:
        try:
            chosen = sorted({int(k) for k in kernels})
        except (TypeError, ValueError):
            raise ConfigError("kernels", f"must be a slice or kernel ids, got {kernels!r}") from None
        bad = [k for k in chosen if not 0 <= k < n]
        if bad:
            raise ConfigError("kernels", f"ids {bad[:5]} outside the trace's kernel ids 0..{n - 1}")
    if layer is not None:
        layers = list(dict.fromkeys(s.layer for s in specs))
        if layer not in layers:
            shown = ", ".join(layers[:12]) + (", ..." if len(layers) > 12 else "")
            raise ConfigError("layer", f"no kernel of layer {layer!r}; layers: {shown}")
        chosen = [k for k in chosen if specs[k].layer == layer]
    if not chosen:
        raise ConfigError("kernels", "the selection holds no kernel")
    return [specs[k] for k in chosen]


def _one_cta_fill(spec: KernelSpec):
    """``(fill(state, addr, w, sm, n, stop_at), steps per CTA)`` of ``spec`` at 32 B sectors, one CTA per wave."""
    kind = spec.params[0]
    if kind == "sgemm":
        p = spec.params[1].copy()
        p[K.G_UNIT], p[K.G_NSMS], p[K.G_CPS] = SECTOR_B, 1, 1
        steps = -(-int(p[K.G_K]) // int(p[K.G_TK])) + 1

        def fill(state, addr, w, sm, n, stop_at):
            return K.sgemm_fill(p, state, addr, w, sm, n, stop_at)

        return fill, steps
    if kind == "gather":
        _, T, D, ids, bases, sizes, isz, is_w, mode = spec.params

        def fill(state, addr, w, sm, n, stop_at):
            return K.gather_fill(T, D, ids, bases, sizes, isz, is_w, mode, SECTOR_B, 1, 1, state, addr, w, sm, n,
                                 stop_at)

        return fill, WARPS_PER_CTA
    _, T, bases, sizes, elems, isz, is_w = spec.params

    def fill(state, addr, w, sm, n, stop_at):
        return K.elementwise_fill(T, bases, sizes, elems, isz, is_w, SECTOR_B, 1, 1, state, addr, w, sm, n, stop_at)

    return fill, WARPS_PER_CTA


def _cta_batches(spec: KernelSpec, batch_requests: int = BATCH_REQUESTS):
    """Runs of whole CTAs, in CTA order: ``(addr, is_write, pos_cta, pos_step, pos_start)`` arrays.

    ``pos_*`` describe the (CTA, step) positions that emitted requests, in
    order; position ``i``'s requests are ``addr[pos_start[i]:pos_start[i + 1]]``.
    """
    fill, n_steps = _one_cta_fill(spec)
    slack = _max_step(spec, SECTOR_B) + 1
    cap = batch_requests + 2 * slack
    addr = np.empty(cap, np.uint64)
    w = np.empty(cap, np.bool_)
    sm = np.empty(cap, np.int32)
    state = K.empty_state()
    pos_cta: list[int] = []
    pos_step: list[int] = []
    pos_start: list[int] = []
    n = 0
    while True:
        if cap - n < slack:
            cap *= 2
            addr, w, sm = (np.concatenate([a[:n], np.empty(cap - n, a.dtype)]) for a in (addr, w, sm))
        n1 = fill(state, addr, w, sm, n, n + 1)
        if n1 == n:
            break  # every position done
        wave, step = int(state[0]), int(state[1])
        cta, s = (wave, step - 1) if step > 0 else (wave - 1, n_steps - 1)
        if pos_cta and cta != pos_cta[-1] and n >= batch_requests:
            yield (addr[:n].copy(), w[:n].copy(), np.array(pos_cta, np.int64), np.array(pos_step, np.int64),
                   np.array(pos_start, np.int64))
            k = n1 - n
            addr[:k], w[:k] = addr[n:n1], w[n:n1]
            n, n1 = 0, k
            pos_cta, pos_step, pos_start = [], [], []
        pos_cta.append(cta)
        pos_step.append(s)
        pos_start.append(n)
        n = n1
    if pos_cta:
        yield (addr[:n].copy(), w[:n].copy(), np.array(pos_cta, np.int64), np.array(pos_step, np.int64),
               np.array(pos_start, np.int64))


def _runs(key: np.ndarray) -> np.ndarray:
    """Start index of each run of equal values in ``key``."""
    if len(key) == 0:
        return np.zeros(0, np.int64)
    return np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))


def _cumcount(key: np.ndarray) -> np.ndarray:
    """For each element, how many earlier elements share its ``key`` (keys need not be contiguous)."""
    order = np.argsort(key, kind="stable")
    k = key[order]
    starts = np.zeros(len(k), np.int64)
    starts[_runs(k)] = 1
    idx = np.arange(len(k))
    first = np.maximum.accumulate(np.where(starts == 1, idx, 0))
    out = np.empty(len(k), np.int64)
    out[order] = idx - first
    return out


def _starts(key: np.ndarray) -> np.ndarray:
    """True where a run of equal ``key`` values starts."""
    out = np.ones(len(key), np.bool_)
    out[1:] = key[1:] != key[:-1]
    return out


def _ffill_groups(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each element's value if non-negative, else the last non-negative value before it in its group (``starts``
    marks each group's first element, ``starts[0]`` included); -1 where the group has none yet."""
    if len(values) == 0:
        return values.copy()
    pos = np.arange(len(values))
    src = np.maximum.accumulate(np.where((values >= 0) | starts, pos, -1))  # never leaves the group
    return np.where(values[src] >= 0, values[src], -1)


class _KernelWriter:
    """Groups one kernel's requests into warp instructions and formats them, batch by batch."""

    def __init__(self, spec: KernelSpec, steps: int):
        self.spec = spec
        self.sgemm = spec.params[0] == "sgemm"
        self.steps = steps
        self.nregs = NREGS[spec.params[0]]
        self.pcs: dict[int, int] = {}  # static-instruction code -> index in PC order
        self.next_cta = 0
        self.mem_insts = self.warp_insts = self.reads = self.writes = 0

    def batch(self, addr, is_w, pos_cta, pos_step, pos_start, cta_hi: int | None = None) -> bytes:
        """Trace text of CTAs ``next_cta`` .. the batch's last (or ``cta_hi``), from one batch of requests."""
        n = len(addr)
        brk = np.ones(n, np.bool_)
        if n > 1:
            brk[1:] = ((addr[1:] != addr[:-1] + np.uint64(SECTOR_B)) | (is_w[1:] != is_w[:-1])
                       | ((addr[1:] // LINE_B) != (addr[:-1] // LINE_B)))
        brk[pos_start] = True
        ist = np.flatnonzero(brk)  # instruction start indices
        count = np.diff(np.append(ist, n))
        ipos = np.searchsorted(pos_start, ist, side="right") - 1
        icta, istep = pos_cta[ipos], pos_step[ipos]
        if self.sgemm:
            first = np.searchsorted(ist, pos_start)
            per_pos = np.diff(np.append(first, len(ist)))
            iwarp = (np.arange(len(ist)) - first[ipos]) * WARPS_PER_CTA // per_pos[ipos]
        else:
            iwarp = istep
        iw = is_w[ist]
        self.reads += int(count[~iw].sum())
        self.writes += int(count[iw].sum())
        self.mem_insts += len(ist)

        # Control rows (``ctl``): every warp of every CTA in the range ends with an EXIT; an SGEMM warp also ends
        # each k-step with a MOV that reads the register of its last load (a consumer: the warp waits until that
        # load is back, as the real kernel's STS of the tile does) and a BAR.SYNC.
        lo = self.next_cta
        hi = int(pos_cta[-1]) if cta_hi is None else cta_hi
        self.next_cta = hi + 1
        n_bar = self.steps - 1 if self.sgemm else 0
        per_warp = 2 * n_bar + 1
        n_ctas = hi + 1 - lo
        c_cta = np.repeat(np.arange(lo, hi + 1, dtype=np.int64), WARPS_PER_CTA * per_warp)
        c_warp = np.tile(np.repeat(np.arange(WARPS_PER_CTA, dtype=np.int64), per_warp), n_ctas)
        c_k = np.tile(np.arange(per_warp, dtype=np.int64), n_ctas * WARPS_PER_CTA)
        c_step = np.where(c_k < 2 * n_bar, c_k // 2, self.steps)  # the EXIT sorts after everything
        c_ctl = np.where(c_k < 2 * n_bar, _CTL_WAIT + c_k % 2, _CTL_EXIT)
        m = len(ist)
        cta = np.concatenate([icta, c_cta])
        warp = np.concatenate([iwarp, c_warp])
        step = np.concatenate([istep, c_step])
        ctl = np.concatenate([np.zeros(m, np.int64), c_ctl])
        order = np.lexsort((np.arange(len(cta)), ctl, step, warp, cta))
        cta, warp, step, ctl = cta[order], warp[order], step[order], ctl[order]
        is_mem = ctl == _CTL_MEM
        mem = order[is_mem]  # memory rows, in file order (indices into the instruction arrays)
        base, cnt, wr = addr[ist][mem], count[mem], iw[mem]
        stp = step[is_mem]

        # Destination registers cycle per warp over R4 .. R(nregs - 1).
        gw = cta * WARPS_PER_CTA + warp
        load = np.zeros(len(cta), np.bool_)
        load[is_mem] = ~wr
        reg = np.zeros(len(cta), np.int64)
        reg[load] = FIRST_DEST_REG + _cumcount(gw[load]) % (self.nregs - FIRST_DEST_REG)
        # A store writes a value computed from its warp's step's loads: it reads the register of the step's last
        # load of its own line (an in-place update reads what it overwrites) and that of the step's last load, or
        # R0 when the step loaded nothing. A wait row reads the step's last load, and is dropped where there is none.
        grp = gw * (self.steps + 1) + step
        rows = np.arange(len(cta))
        last = _ffill_groups(np.where(load, rows, -1), _starts(grp))
        line = np.full(len(cta), -1, np.int64)
        line[is_mem] = (base // np.uint64(LINE_B)).astype(np.int64)
        by_line = rows[is_mem][np.lexsort((rows[is_mem], line[is_mem], grp[is_mem]))]  # file order per (step, line)
        same = np.full(len(cta), -1, np.int64)
        same[by_line] = _ffill_groups(np.where(load[by_line], by_line, -1),
                                      _starts(grp[by_line]) | _starts(line[by_line]))
        store = is_mem & ~load
        own = np.where(same >= 0, same, last)
        reg2 = np.full(len(cta), -1, np.int64)
        extra = store & (same >= 0) & (last >= 0) & (last != same)
        reg2[extra] = reg[last[extra]]
        reg[store] = np.where(own[store] >= 0, reg[np.maximum(own[store], 0)], 0)
        wait = ctl == _CTL_WAIT
        reg[wait] = reg[np.maximum(last[wait], 0)]
        keep = (ctl != _CTL_WAIT) | (last >= 0)
        cta, warp, ctl, reg, reg2, gw, step = (a[keep] for a in (cta, warp, ctl, reg, reg2, gw, step))
        is_mem = ctl == _CTL_MEM

        # Static instruction: the j-th load (store) of a warp's step, in the loop body or the SGEMM epilogue.
        j = _cumcount((gw[is_mem] * self.steps + stp) * 2 + wr)
        phase = (stp == self.steps - 1) if self.sgemm else np.zeros(len(stp), np.bool_)
        codes = np.select([ctl == _CTL_WAIT, ctl == _CTL_BAR], [_WAIT_CODE, _BAR_CODE], _EXIT_CODE)
        codes[is_mem] = ((phase.astype(np.int64) * 2 + wr) << _PHASE_SHIFT) + j
        uniq, first_at = np.unique(codes, return_index=True)
        for u in uniq[np.argsort(first_at)].tolist():
            self.pcs.setdefault(u, len(self.pcs))
        idx = np.array([self.pcs[u] for u in uniq.tolist()], np.int64)[np.searchsorted(uniq, codes)]
        pc = 8 * (idx + idx // 3 + 1)

        kind = np.select([ctl == _CTL_WAIT, ctl == _CTL_BAR], [F.KIND_WAIT, F.KIND_BAR], F.KIND_EXIT)
        kind[is_mem] = np.where(wr, F.KIND_STORE, F.KIND_LOAD)
        full = np.zeros(len(cta), np.int64)
        mask, bases = full.copy(), full.copy()
        mask[is_mem] = _MASKS[cnt]
        bases[is_mem] = base.astype(np.int64)
        regs = reg
        self.warp_insts += len(cta)
        buf = np.empty(len(cta) * F.ROW_MAX_B + (hi + 1 - lo) * WARPS_PER_CTA * F.WARP_MAX_B, np.uint8)
        used = F.format_blocks(cta, warp, kind, pc, mask, regs, reg2, bases, WARPS_PER_CTA - 1, buf)
        return buf[:used].tobytes()

    def padding(self) -> bytes:
        """CTAs after the last one that made requests (none in practice): every warp just exits."""
        if self.next_cta >= self.spec.ctas:
            return b""
        empty = np.zeros(0, np.uint64)
        none = np.zeros(0, np.int64)
        return self.batch(empty, np.zeros(0, np.bool_), none, none, none, cta_hi=self.spec.ctas - 1)


def _header(spec: KernelSpec) -> str:
    lines = [f"-kernel name = {spec.name}", f"-kernel id = {spec.kernel + 1}", f"-grid dim = ({spec.ctas},1,1)",
             f"-block dim = ({THREADS_PER_CTA},1,1)", "-shmem = 0", f"-nregs = {NREGS[spec.params[0]]}",
             f"-binary version = {BINARY_VERSION}", "-cuda stream id = 0",
             f"-shmem base_addr = 0x{SHMEM_BASE:016x}", f"-local mem base_addr = 0x{LOCAL_BASE:016x}",
             f"-nvbit version = {NVBIT_VERSION}", f"-accelsim tracer version = {TRACER_VERSION}",
             "-enable lineinfo = 0", "", FORMAT_LINE, "", "", ""]
    return "\n".join(lines)


def _write_kernel(spec: KernelSpec, folder: Path) -> dict:
    name = f"kernel-{spec.kernel + 1}.traceg.xz"
    _, steps = _one_cta_fill(spec)
    kw = _KernelWriter(spec, steps)
    with lzma.open(folder / name, "wb", preset=XZ_PRESET) as f:
        f.write(_header(spec).encode("ascii"))
        for b in _cta_batches(spec):
            f.write(kw.batch(*b))
        f.write(kw.padding())
    return dict(kernel=spec.kernel, trace_file=name, name=spec.name, layer=spec.layer, pass_=spec.pass_,
                ctas=spec.ctas, warps=spec.ctas * WARPS_PER_CTA, warp_insts=kw.warp_insts, mem_insts=kw.mem_insts,
                reads=kw.reads, writes=kw.writes, requests=kw.reads + kw.writes)
