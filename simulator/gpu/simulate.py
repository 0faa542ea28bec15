"""``simulate_gpu``: a trace through a GPU chip's memory hierarchy, per-SM L1s, a sliced L2 and DRAM channels.

``simulate_gpu(chunks, chip, l2_MB=..., tech=..., mode=...)`` reads a trace once and returns a
:class:`GpuResult` with one row per (L2 capacity, technology).

Units
-----
- ``l1_*``: requests as the trace issues them (one per access; each access is one line, or one ``sector_B``
  sector on sectored chips).  Accesses with ``sm < 0`` (no SM, e.g. DMA) bypass the L1; SM ids beyond the chip's
  count are folded modulo ``n_sms``.
- ``l2_*``: requests arriving at the L2 from the L1s (L1 read-miss fills and write-throughs), in the same units.
  ``l2_writebacks`` are dirty lines (sectors) the L2 evicts.
- ``dram_reads``/``dram_writes``: L2 fills and write-backs, in L2 lines (sectors on sectored chips);
  ``dram_*_sectors`` the same in 32 B DRAM atoms (GPGPU-Sim's and nvprof's ``dram_*_transactions`` unit).
- ``cycles``: core-clock cycles; ``time_ns = cycles / core_MHz * 1000``.

Modes
-----
``fast`` (:mod:`simulator.gpu.fast`): the interleaving is fixed, counts are computed once per capacity and shared
by every technology, cycles come from a per-kernel bottleneck model (:mod:`simulator.gpu.timing`).
``timed`` (:mod:`simulator.gpu.timed`): GPGPU-Sim's memory pipeline (SM ports, interconnect, ROP, slices, DRAM banks
and buses, kernel launch latency, CTA scheduling) per (capacity, technology), SimPy kernel by kernel; its counts
equal the fast mode's, the technology changes its cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.config import as_choice, as_positive
from models.errors import ConfigError
from models.tech_row import LATENCY_FIELDS, TechRow, at_capacity
from simulator.gpu.chip import GpuChip, load_chip
from simulator.gpu.counts import COUNT_COLUMNS, dram_requests
from simulator.gpu.fast import dram_residuals, fast_rows, run_fast, sampled_l2, sampling_error
from simulator.gpu.timed import run_timed
from simulator.memory import keep_freed_memory

MODES = ("fast", "timed")
DEFAULT_TECH = "sram"


@dataclass(frozen=True)
class GpuResult:
    """Counts and cycles: ``totals`` one row per (l2_MB, technology); ``kernels`` the same per kernel id."""

    totals: pd.DataFrame
    kernels: pd.DataFrame
    mode: str
    chip: GpuChip


def _capacities(chip: GpuChip, l2_MB) -> list[tuple[float, GpuChip]]:
    if l2_MB is None:
        return [(chip.l2.capacity_MB, chip)]
    values = [l2_MB] if np.isscalar(l2_MB) else list(l2_MB)
    if not values:
        raise ConfigError("l2_MB", "must not be an empty list")
    return [(float(as_positive(v, "l2_MB")), chip.with_l2_MB(v)) for v in values]


def _latencies(name, row, field) -> TechRow:
    return TechRow.from_row(row, technology=str(name), required=LATENCY_FIELDS, prefix=field)


def _techs(tech, caps) -> list[list[TechRow]]:
    """Per capacity, the list of technologies with their latencies."""
    if tech is None:
        return [[TechRow(technology=DEFAULT_TECH, read_latency_ns=c.l2.read_latency_ns,
                         write_latency_ns=c.l2.write_latency_ns)] for _, c in caps]
    if isinstance(tech, (list, tuple)):  # one entry (mapping or None) per capacity, in the order of l2_MB
        if len(tech) != len(caps):
            raise ConfigError("tech", f"a list needs one entry per capacity ({len(caps)}), got {len(tech)}")
        return [_techs(t, [cap])[0] for t, cap in zip(tech, caps, strict=True)]
    if isinstance(tech, pd.DataFrame):
        if "technology" not in tech.columns:
            raise ConfigError("tech", "a DataFrame needs a 'technology' column")
        cap_col = next((c for c in ("capacity_MB", "l2_MB") if c in tech.columns), None)
        names = list(dict.fromkeys(tech["technology"].astype(str)))
        out = []
        for mb, _ in caps:
            row_list = []
            for name in names:
                rows = tech[tech["technology"].astype(str) == name]
                if len(rows) > 1:  # a row per capacity: the one at this capacity
                    if cap_col is None:
                        raise ConfigError("tech", f"several rows for {name!r} and no capacity_MB column")
                    rows = at_capacity(rows, mb, cap_col)
                    if len(rows) != 1:
                        have = sorted(tech.loc[tech["technology"].astype(str) == name, cap_col].tolist())
                        raise ConfigError(f"tech.{name}", f"no single row for {mb:g} MB (have {have})")
                row_list.append(_latencies(name, rows.iloc[0], f"tech.{name}"))
            out.append(row_list)
        return out
    if isinstance(tech, Mapping):
        if not tech:
            raise ConfigError("tech", "must name at least one technology")
        entries = []
        for name, row in tech.items():
            if not isinstance(row, Mapping):
                raise ConfigError(f"tech.{name}", "must map read_latency_ns / write_latency_ns to numbers")
            entries.append(_latencies(name, row, f"tech.{name}"))
        return [list(entries) for _ in caps]
    raise ConfigError("tech", f"must be None, a mapping or a DataFrame, got {type(tech).__name__}")


class _Checked:
    """The chunks, each checked to be a trace chunk as it arrives; the trace's size (``n_accesses``, for the
    progress total) and chunking (for checkpoints) stay visible."""

    FIELDS = ("addr", "is_write", "sm", "kernel")

    def __init__(self, chunks):
        if isinstance(chunks, (str, bytes)) or not isinstance(chunks, Iterable):
            raise ConfigError("chunks", f"must be an iterable of trace chunks, got {type(chunks).__name__}")
        self.chunks = chunks
        self.n_accesses = getattr(chunks, "n_accesses", None)
        self.chunk_size = getattr(chunks, "chunk_size", None)

    def __iter__(self):
        for ch in self.chunks:
            if not all(hasattr(ch, f) for f in self.FIELDS):
                raise ConfigError("chunks", f"must yield trace chunks (addr, is_write, sm, kernel arrays), got "
                                            f"{type(ch).__name__}")
            yield ch


_KEYS = ["l2_MB", "l2_capacity_B", "technology", "mode"]
_SUMMED = [*COUNT_COLUMNS, "cycles", "time_ns"]


def _frames(kernel_rows, blocks: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(totals, per-kernel rows)``: the totals sum each (capacity, technology)'s kernel rows.

    ``blocks``: the rows (a dict of columns) are that many equal runs of consecutive rows, one per (capacity,
    technology), as fast mode makes them; their totals are then summed here with numpy (:func:`_block_sums`), the
    same numbers pandas' group-by over the keys gives, at a fraction of its cost (most of a short run's
    bookkeeping)."""
    cols = [*_KEYS, "kernel", *_SUMMED]
    if isinstance(kernel_rows, dict):  # columns picked by hand: ``columns=`` makes pandas reindex (2x the time)
        kdf = pd.DataFrame({c: kernel_rows[c] for c in cols})
    else:
        kdf = pd.DataFrame(kernel_rows, columns=cols)
    if blocks is not None and len(kdf):
        return _block_sums(kernel_rows, blocks), kdf
    if len(kdf):
        tot = kdf.groupby(_KEYS, sort=False)[_SUMMED].sum().reset_index()
    else:
        tot = pd.DataFrame(columns=[*_KEYS, *_SUMMED])
    return tot, kdf


def _block_sums(rows: dict, blocks: int) -> pd.DataFrame:
    """Totals of ``blocks`` equal runs of rows: keys from each run's first row, integers summed with numpy
    (exact), floats by pandas' group-by sum over the run numbers (its compensated sum, rows in order: the same bits
    as grouping by the keys)."""
    n = len(rows["kernel"])
    if n % blocks:
        raise ValueError(f"{n} kernel rows do not split into {blocks} equal blocks")
    k = n // blocks
    out = {c: np.asarray(rows[c])[::k] for c in _KEYS}
    runs = np.repeat(np.arange(blocks), k)
    for c in _SUMMED:
        v = np.asarray(rows[c])
        if v.dtype.kind == "f":
            out[c] = pd.Series(v).groupby(runs, sort=True).sum().to_numpy()
        else:
            out[c] = v.reshape(blocks, k).sum(axis=1)
    return pd.DataFrame(out)


def _sampled_result(acc, caps, techs, rows, chip, blocks: int) -> GpuResult:
    """Frames of a set-sampled run: the sampling factor and the estimated relative standard error of the DRAM
    accesses on every row, per kernel and, from the replicate totals over all kernels, per capacity."""
    totals, kdf = _frames(rows, blocks)
    n = acc.n
    per_kernel, per_total = [], []
    for i, _ in enumerate(caps):
        dram = dram_requests(sampled_l2(acc, i)).sum(axis=1).astype(np.float64)  # per kernel
        d = dram_residuals(acc.rep[i, :n], acc.xrep[i, :n], acc.rule)  # [kernel, replicate]
        k_err = sampling_error(d, acc.scale[i], dram)
        t_err = float(sampling_error(d.sum(axis=0), acc.scale[i], dram.sum()))
        per_kernel += [k_err] * len(techs[i])
        per_total += [t_err] * len(techs[i])
    per_kernel = np.concatenate(per_kernel)
    kdf["sample_sets"] = acc.sample_sets
    kdf["dram_accesses_rse"] = per_kernel
    totals["sample_sets"] = acc.sample_sets
    totals["dram_accesses_rse"] = per_total
    return GpuResult(totals, kdf, "fast", chip)


def simulate_gpu(chunks: Iterable, chip, *, l2_MB=None, tech=None, mode: str = "fast",
                 progress: bool = False, checkpoint=None, sample_sets: int = 1,
                 kernels: pd.DataFrame | None = None) -> GpuResult:
    """Run a trace through the chip's memory hierarchy; one pass over ``chunks`` for all capacities.

    Parameters
    ----------
    chunks : iterable of traces.TraceChunk
        The trace, streamed (read once).  A chunk's arrays must stay unchanged once it is yielded: fast mode
        still simulates earlier chunks while it takes the next ones (:data:`simulator.gpu.fast.IN_FLIGHT`).
    chip : GpuChip or str
        A chip or a preset name / TOML path (see :func:`simulator.gpu.chip.load_chip`).
    l2_MB : float or list of float, optional
        L2 capacities in MB (default: the chip's own).
    tech : mapping, DataFrame or list, optional
        Technology name -> ``{"read_latency_ns": .., "write_latency_ns": ..}``, or the circuit model's table
        (a ``technology`` column, and ``capacity_MB`` when it has a row per capacity), or a list with one such
        mapping (or None) per capacity of ``l2_MB``, when each capacity has its own technologies.  Default: the
        chip's SRAM latencies under the name ``"sram"``.
    mode : {"fast", "timed"}
        See the module docstring; the result's ``mode`` column says which was used.
    progress : bool
        Show a progress bar, in requests (with a total and an ETA where the trace knows its length).
    checkpoint : simulator.output.Checkpoint, optional
        fast mode: save the pass's state there now and then and resume from it (see
        :func:`simulator.gpu.fast.run_fast`); the result is exactly that of an uninterrupted pass.
    sample_sets : int
        fast mode: simulate one L2 (slice, set) pair in ``sample_sets`` (a fixed seeded subset) and scale its counts
        to the whole L2, for traces too large to run whole; 1 (the default) simulates every set.  The compulsory
        misses (first touches) are counted exactly on every set and only the misses beyond them are scaled
        (:func:`simulator.gpu.fast.sampled_l2`).  Sampled results
        add ``sample_sets`` and ``dram_accesses_rse`` (the estimated relative standard error of the DRAM
        accesses) to every row.
    kernels : DataFrame, optional
        timed mode: the trace's kernel table (``GpuTrace.kernels``: CTAs, CTAs per SM, steps per CTA, whether the
        steps synchronise), so that CTAs and their dependencies are scheduled as the GPU would (see
        :mod:`simulator.gpu.timed`); taken from ``chunks.kernels`` when ``chunks`` is a trace.  Without it every
        request of a kernel is ready at the kernel's start.

    Returns
    -------
    GpuResult
        ``totals`` (one row per capacity and technology) and ``kernels`` (the same per kernel id).
    """
    mode = as_choice(mode, "mode", MODES)
    if not isinstance(chip, GpuChip):
        chip = load_chip(chip)
    caps = _capacities(chip, l2_MB)
    techs = _techs(tech, caps)
    chips = [c for _, c in caps]
    chunks = _Checked(chunks)
    sample_sets = as_positive(sample_sets, "sample_sets", integer=True)
    keep_freed_memory()  # chunks reuse the pages of the chunks before them
    if sample_sets > 1 and mode != "fast":
        raise ConfigError("sample_sets", "set sampling runs in fast mode only (timed mode simulates every set)")
    if mode == "fast":
        acc = run_fast(chunks, chip, chips, progress, checkpoint, sample_sets)
        if acc.n == 0:
            raise ConfigError("chunks", "the trace is empty: no access to simulate")
        blocks = [fast_rows(acc, i, c, t, mb) for i, (mb, c) in enumerate(caps) for t in techs[i]]
        cols = list(blocks[0]) if blocks else []
        rows = {k: np.concatenate([b[k] for b in blocks]) for k in cols}
        if sample_sets > 1:
            return _sampled_result(acc, caps, techs, rows, chip, len(blocks))
        totals, kdf = _frames(rows, len(blocks))
        return GpuResult(totals, kdf, mode, chip)
    else:
        if kernels is None and isinstance(getattr(chunks.chunks, "kernels", None), pd.DataFrame):
            kernels = chunks.chunks.kernels
        if kernels is not None and not isinstance(kernels, pd.DataFrame):
            raise ConfigError("kernels", f"must be a trace's kernel table (a DataFrame), got {type(kernels).__name__}")
        sims = run_timed(chunks, chips, techs, progress, kernels)
        if not any(cap.kernels for cap, _ in sims):
            raise ConfigError("chunks", "the trace is empty: no access to simulate")
        rows = [r for i, (mb, _) in enumerate(caps) for tl in sims[i][1] for r in sims[i][0].rows(mb, tl)]
    totals, kdf = _frames(rows)
    return GpuResult(totals, kdf, mode, chip)
