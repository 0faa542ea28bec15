"""Keep freed memory in the process for the next trace chunk instead of handing it back to the system.

Why: every chunk of a simulation allocates arrays of the same few sizes (the trace's columns, the L2 mapping,
kernel groups: megabytes each) and frees them a moment later.  glibc's allocator serves such blocks with fresh
``mmap`` pages and unmaps them on ``free``, so each chunk pays a page fault per 4 KiB touched; on the project's
2-core VM a fault costs several microseconds, which made about a quarter of a small multi-capacity run (AlexNet's
fc kernels, 0.5 M requests x 5 L2 capacities: ~2,000 faults a run).  With the thresholds below, blocks up to 32 MiB
come from the heap and the heap keeps up to 256 MiB of freed memory, so later chunks reuse pages already mapped
(~100 faults a run).  Peak memory is unchanged (the same blocks are live at the peak); the freed pages are kept
until the process ends.

Only glibc has ``mallopt``; elsewhere, or with ``NVMSIM_KEEP_FREED=0``, nothing changes.  Results never depend on
it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_B = 32 << 20
"""Blocks below this come from the heap (glibc's largest allowed value on 64-bit systems)."""
TRIM_THRESHOLD_B = 256 << 20
"""Freed memory at the top of the heap kept for reuse."""

_done = False


def keep_freed_memory() -> bool:
    """Set glibc's thresholds once per process (see the module docstring); whether they are now set."""
    global _done
    if _done:
        return True
    if os.environ.get("NVMSIM_KEEP_FREED", "1") == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_B)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_B))
    return _done
