"""Cache statistics → the count columns of every GPU result: one mapping, used by the fast and the timed engine.

Units (see :mod:`simulator.gpu.simulate`): ``l1_*`` requests as the trace issues them, ``l2_*`` requests arriving
at the L2, ``dram_reads``/``dram_writes`` L2 fills and write-backs in L2 lines (sectors on sectored chips) and
``dram_*_sectors`` the same in DRAM atoms.
"""

from __future__ import annotations

import numpy as np

from simulator.gpu.kernels.stats import (
    ST_EVICTIONS,
    ST_NEXT_READS,
    ST_NEXT_WRITES,
    ST_READ_HITS,
    ST_READ_MISSES,
    ST_WRITE_HITS,
    ST_WRITE_MISSES,
    ST_WRITEBACKS,
)

COUNT_COLUMNS = ("l1_reads", "l1_writes", "l1_hits", "l1_misses", "l2_reads", "l2_writes", "l2_read_hits",
                 "l2_read_misses", "l2_write_hits", "l2_write_misses", "l2_evictions", "l2_writebacks",
                 "dram_reads", "dram_writes", "dram_read_sectors", "dram_write_sectors")


def count_columns(l1: np.ndarray, l2: np.ndarray, atoms_per_request: int) -> dict[str, np.ndarray]:
    """The :data:`COUNT_COLUMNS` from statistics arrays whose last axis is ``N_STATS``.

    ``l1`` is summed over SMs and ``l2`` over slices already; leading axes (e.g. kernels) carry through.
    ``atoms_per_request`` converts an L2 line (or sector) to DRAM atoms.
    """
    return {
        "l1_reads": l1[..., ST_READ_HITS] + l1[..., ST_READ_MISSES],
        "l1_writes": l1[..., ST_WRITE_HITS] + l1[..., ST_WRITE_MISSES],
        "l1_hits": l1[..., ST_READ_HITS] + l1[..., ST_WRITE_HITS],
        "l1_misses": l1[..., ST_READ_MISSES] + l1[..., ST_WRITE_MISSES],
        "l2_reads": l2[..., ST_READ_HITS] + l2[..., ST_READ_MISSES],
        "l2_writes": l2[..., ST_WRITE_HITS] + l2[..., ST_WRITE_MISSES],
        "l2_read_hits": l2[..., ST_READ_HITS],
        "l2_read_misses": l2[..., ST_READ_MISSES],
        "l2_write_hits": l2[..., ST_WRITE_HITS],
        "l2_write_misses": l2[..., ST_WRITE_MISSES],
        "l2_evictions": l2[..., ST_EVICTIONS],
        "l2_writebacks": l2[..., ST_WRITEBACKS],
        "dram_reads": l2[..., ST_NEXT_READS],
        "dram_writes": l2[..., ST_NEXT_WRITES],
        "dram_read_sectors": l2[..., ST_NEXT_READS] * atoms_per_request,
        "dram_write_sectors": l2[..., ST_NEXT_WRITES] * atoms_per_request,
    }


def dram_requests(l2: np.ndarray) -> np.ndarray:
    """Requests an L2 sends to DRAM (fills plus writes), per leading index."""
    return l2[..., ST_NEXT_READS] + l2[..., ST_NEXT_WRITES]


def slice_accesses(l2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(array reads, array writes)`` of each L2 slice: lookups, write-backs read out of the array, fills and
    writes into it; what occupies a slice for its technology's read and write latency."""
    reads = l2[..., ST_READ_HITS] + l2[..., ST_READ_MISSES] + l2[..., ST_WRITEBACKS]
    writes = l2[..., ST_WRITE_HITS] + l2[..., ST_WRITE_MISSES] + l2[..., ST_NEXT_READS]
    return reads, writes
