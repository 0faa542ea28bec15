"""GPGPU-Sim's memory-system options through the engines: hashed slices and sets against set camping, global
accesses skipping the L1, naive write-allocate (fast and timed modes)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.gpu import simulate_gpu
from simulator.gpu.chip import load_chip
from simulator.gpu.l2map import map_l2, set_of
from tests.support import STT, trace
from traces.chunk import TraceChunk

N_LINES = 512
STRIDE = 1 << 20  # 1 MiB


def _stride_trace(sm=0):
    """``N_LINES`` lines 1 MiB apart, read twice in the same order (a cyclic scan)."""
    addr = np.uint64(0x7F0000000000) + np.arange(N_LINES, dtype=np.uint64) * np.uint64(STRIDE)
    return [TraceChunk.from_arrays(np.concatenate([addr, addr]), False, sm, 0)]


def _titanx16(**l2):
    # SM6_TITANX with 16 channels (4 MB), so that a power-of-two stride hits one channel under linear decoding
    return load_chip("sm6-titanx", overrides={"l2": {"channels": 16, **l2}})


@pytest.mark.parametrize("mode", ["fast", "timed"])
def test_power_of_two_stride_camps_under_linear_indexing_and_spreads_when_hashed(mode):
    """A 1 MiB stride maps every line to one slice and one set with linear partition and set indexing (GPGPU-Sim
    ``0`` / ``L``): 16 ways hold 16 of the 512 lines, so the second pass of a cyclic scan misses every time.
    SM6_TITANX's hashes (random partitions, IPOLY sets) and IPOLY partitions spread the same lines over many
    slices and sets, where all of them fit: the second pass hits every time.  XOR partitions and sets fold in only
    the next few address bits: 16 places of 16 ways for 512 lines, still a thrashing cyclic scan."""
    lin = _titanx16(channel_hash="linear", set_index="modulo")
    addr = _stride_trace()[0].addr[:N_LINES]
    s, _ = map_l2(addr, lin.l2)
    assert len(np.unique(s)) == 1 and len(np.unique(set_of(addr, lin.l2))) == 1
    kw = {"mode": mode, "tech": {"sram": STT["sram"]}} if mode == "timed" else {}
    row = simulate_gpu(_stride_trace(), lin, **kw).totals.iloc[0]
    assert (row.l2_read_hits, row.l2_read_misses, row.dram_reads) == (0, 2 * N_LINES, 2 * N_LINES)
    for hashes in ({}, {"channel_hash": "ipoly", "set_index": "ipoly"},
                   {"channel_hash": "linear", "set_index": "ipoly"}, {"channel_hash": "xor", "set_index": "xor"}):
        chip = _titanx16(**hashes)
        s, _ = map_l2(addr, chip.l2)
        places = len(np.unique(s * 64 + set_of(addr, chip.l2)))
        row = simulate_gpu(_stride_trace(), chip, **kw).totals.iloc[0]
        if hashes.get("set_index") == "xor":
            assert places == 16 and row.l2_read_hits == 0  # 32 lines per 16-way set: LRU thrashes
        else:
            assert places >= 32, hashes
            assert (row.l2_read_hits, row.l2_read_misses, row.dram_reads) == (N_LINES, N_LINES, N_LINES), hashes


def test_hashed_preset_on_its_own_12_channels():
    """The preset itself (12 channels): linear decoding puts the 1 MiB stride on 3 slices, one set each (the
    stride's chunks are 4096 apart: channels 0, 4, 8), so 48 of 512 lines fit; SM6_TITANX's own hashes fit all."""
    lin = load_chip("sm6-titanx", overrides={"l2": {"channel_hash": "linear", "set_index": "modulo"}})
    addr = _stride_trace()[0].addr[:N_LINES]
    s, _ = map_l2(addr, lin.l2)
    assert len(np.unique(s * 64 + set_of(addr, lin.l2))) == 3
    assert simulate_gpu(_stride_trace(), lin).totals.iloc[0].l2_read_hits == 0
    assert simulate_gpu(_stride_trace(), "sm6-titanx").totals.iloc[0].l2_read_hits == N_LINES


@pytest.mark.parametrize("mode", ["fast", "timed"])
def test_skip_global_loads_bypasses_the_l1_like_no_l1(mode):
    """``l1.skip_global_loads`` (SM6_TITANX's ``-gpgpu_gmem_skip_L1D 1``): every access of the trace (all global)
    reaches the L2 unfiltered, with exactly the counts of a chip without L1; the SMs still issue one access per
    cycle (timed cycles at least the busiest SM's accesses).  Going through the L1 instead filters the re-reads."""
    kw = {"mode": mode, "tech": {"sram": STT["sram"]}} if mode == "timed" else {}
    chunks = trace(8000, seed=4, n_sms=4, footprint=32 * 1024)
    skip = simulate_gpu(chunks, "sm6-titanx", **kw).totals.iloc[0]
    none = simulate_gpu(chunks, load_chip("sm6-titanx", overrides={"l1": {"enabled": False}}), **kw).totals.iloc[0]
    used = simulate_gpu(chunks, load_chip("sm6-titanx", overrides={"l1": {"skip_global_loads": False}}),
                        **kw).totals.iloc[0]
    n = sum(len(c) for c in chunks)
    assert skip.l1_reads == skip.l1_writes == 0 and skip.l2_reads + skip.l2_writes == n
    cols = ["l2_reads", "l2_writes", "l2_read_hits", "l2_write_hits", "dram_reads", "dram_writes", "cycles"]
    assert skip[cols].tolist() == none[cols].tolist()
    assert used.l1_reads + used.l1_writes == n and used.l1_hits > 0
    assert used.l2_reads < skip.l2_reads
    busiest = max(np.bincount(np.concatenate([c.sm for c in chunks]).astype(np.int64)))
    assert skip.cycles >= busiest


@pytest.mark.parametrize("mode", ["fast", "timed"])
def test_naive_write_allocate_in_the_engines(mode):
    """GPGPU-Sim's ``W`` on SM6_GTX1080's whole-line L2: each write to a new line is one DRAM write (the write)
    and one DRAM read (the line), and the line fills clean, so a later eviction writes nothing back; with
    fetch-on-write the same stream reads the lines and writes them back dirty.  Sectored (SM6_TITANX with ``W``):
    one 32 B read and one write per written sector; its own lazy ``L`` reads nothing."""
    kw = {"mode": mode, "tech": {"sram": STT["sram"]}} if mode == "timed" else {}
    n = 4 * 22 * 64 * 16  # four times the 2.75 MB L2 in lines: most lines are evicted
    addr = np.arange(n, dtype=np.uint64) * np.uint64(128)
    chunks = [TraceChunk.from_arrays(addr, True, -1, 0)]
    naive = simulate_gpu(chunks, "gtx1080-gpgpusim", **kw).totals.iloc[0]
    assert (naive.l2_write_misses, naive.dram_writes, naive.dram_reads, naive.l2_writebacks) == (n, n, n, 0)
    assert naive.dram_read_sectors == 4 * n
    fow = simulate_gpu(chunks, load_chip("gtx1080-gpgpusim", overrides={"l2": {"write_allocate": "fetch_on_write"}}),
                       **kw).totals.iloc[0]
    assert fow.dram_reads == n and fow.dram_writes == fow.l2_writebacks == n - 22 * 64 * 16
    sectors = np.arange(4 * n, dtype=np.uint64) * np.uint64(32)
    chunks = [TraceChunk.from_arrays(sectors, True, -1, 0)]
    wa = load_chip("sm6-titanx", overrides={"l2": {"write_allocate": "naive"}})
    sect = simulate_gpu(chunks, wa, **kw).totals.iloc[0]
    assert (sect.dram_reads, sect.dram_writes, sect.l2_writebacks) == (4 * n, 4 * n, 0)
    lazy = simulate_gpu(chunks, "sm6-titanx", **kw).totals.iloc[0]
    assert lazy.dram_reads == 0 and lazy.dram_writes == lazy.l2_writebacks > 0
