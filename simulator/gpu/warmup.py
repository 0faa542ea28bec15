"""Compile a chip's cache kernels in a second process while the command compiles its trace generators.

Why: a fresh install's first ``nvmsim sweep-l2`` spends most of its time in Numba, one kernel after the other on one
core -- first the trace generators (SGEMM and element-wise fills and counts), then the L1 and L2 side (issue
counts, the address map, the set keys, the lookups) -- while the machine's other core idles.  A helper process
started with the command runs the fast engine on a small synthetic trace of the same chip: it compiles the L1 and L2
kernels (Numba writes them to its on-disk cache) while the command itself imports, runs the circuit model and
compiles the generators; when the command reaches its first L1 and L2 lookups it loads them from the cache,
after waiting for the helper where it is still compiling them (:func:`await_helpers`).

A helper is started only where it can gain: at least two CPUs, fast mode, and no stamp saying this chip's kernels
were warmed already.  The stamp (``nvmsim-warm-<key>`` beside Numba's cache files) is written by a helper that
finished; its key covers the chip's L1 and L2 configuration, the sources of :mod:`simulator.gpu` and Numba's
version, so an edit or an upgrade (after which Numba compiles again anyway) warms again.  A warm process needs
no helper: one costs about a second of the other core loading what is cached.  Where the cache directory cannot
be written, no helper starts.  ``NVMSIM_WARMUP=0`` never starts one.  Results never depend on it: the helper only
fills Numba's cache with the code the command would compile itself.

Run as ``python -m simulator.gpu.warmup``: reads the pickled :class:`~simulator.gpu.chip.GpuChip` and its sampling
factor from stdin, warms, writes the stamp, exits 0.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

from simulator.helper_process import helper_allowed, start_helper

_GPU = Path(__file__).resolve().parent
WARM_REQUESTS = 1 << 15
"""Requests of the synthetic trace: enough for every code path of the lookups, a few milliseconds once compiled."""


def _cache_dir() -> Path | None:
    """Where Numba keeps the kernels' cache (``NUMBA_CACHE_DIR``, else ``__pycache__`` beside the kernels), or
    None where that cannot be written (Numba then uses a directory of its own choosing)."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    d = Path(env).absolute() if env else _GPU / "kernels" / "__pycache__"
    probe = d
    while not probe.exists() and probe != probe.parent:  # the first part that exists must be a writable folder
        probe = probe.parent
    return d if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK) else None


def stamp_path(chip, sample_sets: int = 1) -> Path | None:
    """The stamp of ``chip``'s warmed kernels (None: no writable cache directory)."""
    d = _cache_dir()
    if d is None:
        return None
    import numba

    from models.source_digest import source_digest

    text = repr((chip.l1, chip.l2, chip.sector_B, chip.l1_bypassed, chip.n_sms, sample_sets > 1, numba.__version__,
                 source_digest(_GPU.parent, [_GPU.name])))
    return d / f"nvmsim-warm-{hashlib.sha256(text.encode()).hexdigest()[:20]}"


WAIT_S = 60.0
"""The longest a command waits for a running helper before it compiles the kernels itself (a helper compiles them in
a few seconds; one that hangs must not hold the command up)."""
_RUNNING: list[subprocess.Popen] = []  # helpers started by this process and not yet waited for or stopped


def start(chip, sample_sets: int = 1, *, force: bool = False) -> subprocess.Popen | None:
    """A helper process warming ``chip``'s kernels, or None where it would not gain (see the module docstring;
    ``force``: whatever the CPUs and the stamp say) or cannot start."""
    if not helper_allowed("NVMSIM_WARMUP", force):
        return None
    stamp = stamp_path(chip, sample_sets)
    if stamp is None or (stamp.exists() and not force):
        return None
    proc = start_helper("simulator.gpu.warmup")
    if proc is None:
        return None
    try:
        proc.stdin.write(pickle.dumps((chip, int(sample_sets)), protocol=pickle.HIGHEST_PROTOCOL))
        proc.stdin.close()
    except (OSError, pickle.PicklingError):
        stop(proc)
        return None
    _RUNNING.append(proc)
    return proc


def await_helpers(timeout_s: float | None = None) -> None:
    """Let the helpers this process started finish before it needs their kernels.

    Why: a command reaching its first lookups while its helper still compiles them would compile the same kernels
    itself -- the whole compilation again, on a core the helper is using -- and only then load nothing; waiting for
    the rest of the helper's compilation and loading its kernels from the cache is shorter (a fresh install's first
    ``sweep-l2``: the lookups were compiled twice, 2.5 s of its path).  A helper that has ended, or that does not end
    within ``timeout_s`` (default :data:`WAIT_S`), is not waited for (the command then compiles what it lacks, as
    without a helper).
    """
    timeout_s = WAIT_S if timeout_s is None else timeout_s
    while _RUNNING:
        proc = _RUNNING.pop()
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pass


def stop(proc: subprocess.Popen | None) -> None:
    """End a helper still running when its command is done (a command that failed early, or a warm one)."""
    if proc in _RUNNING:
        _RUNNING.remove(proc)
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.wait()


def warm(chip, sample_sets: int = 1) -> None:
    """Run the fast engine on a small synthetic trace of ``chip`` (reads and writes over 16 MiB from every SM, in
    four kernels): every kernel a fast-mode run of that chip calls is compiled, or loaded from the cache."""
    import numpy as np

    from simulator.gpu.simulate import simulate_gpu
    from traces.chunk import TraceChunk

    n = WARM_REQUESTS
    rng = np.random.default_rng(0)
    line = chip.l2.line_B
    addr = rng.integers(0, (16 << 20) // line, n).astype(np.uint64) * np.uint64(line)
    chunk = TraceChunk.from_arrays(addr, rng.random(n) < 0.25, rng.integers(0, chip.n_sms, n),
                                   np.repeat(np.arange(4), n // 4))
    simulate_gpu([chunk], chip, l2_MB=[chip.l2.capacity_B / 2**20], sample_sets=sample_sets)


def _serve() -> int:
    from simulator.output import atomic_write

    chip, sample_sets = pickle.loads(sys.stdin.buffer.read())
    warm(chip, sample_sets)
    stamp = stamp_path(chip, sample_sets)
    if stamp is not None:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(stamp, lambda p: p.write_text("kernels warmed\n"))
    return 0


if __name__ == "__main__":
    from simulator.quick_exit import exit_now

    exit_now(_serve())  # the caller waits for this process to end: no module teardown
