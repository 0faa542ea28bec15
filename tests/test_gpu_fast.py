"""Fast mode's array accumulators, vectorised rows and per-capacity technologies (issue 5 speed-up).

Oracles: the per-kernel scalar timing model (``_scalar_kernel`` here, the code the vectorised rows replaced),
totals recorded from the implementation before the change (commit cd73885, same trace and chip), and single-capacity
runs (each capacity's L2 is independent of the others in one pass).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from models.errors import ConfigError
from models.tech_row import TechRow
from simulator.gpu import COUNT_COLUMNS, load_chip, simulate_gpu
from simulator.gpu.fast import fast_rows, run_fast
from simulator.gpu.kernels.stats import issue_counts
from tests.support import SMALL, STT, small_chip, trace

CAPS = [0.125, 0.25]


def _chunks():
    # several chunks and kernels, kernels spanning chunk boundaries
    return trace(30000, seed=11, kernels=3, chunk=7000, footprint=256 * 1024)


def test_totals_equal_the_implementation_before_the_change():
    # recorded from simulator/gpu.py (now simulator/gpu/) at commit cd73885 (per-kernel Python objects, one dict
    # per kernel row)
    want = pd.DataFrame({
        "l2_MB": [0.125, 0.125, 0.25, 0.25], "technology": ["sram", "stt", "sram", "stt"],
        "l2_reads": [20811] * 4, "l2_writes": [9034] * 4, "l2_read_hits": [10076, 10076, 19382, 19382],
        "l2_write_hits": [4403, 4403, 8415, 8415], "dram_reads": [15366, 15366, 2048, 2048],
        "dram_writes": [6560, 6560, 0, 0], "cycles": [54271, 122502, 35636, 66413]})
    r = simulate_gpu(_chunks(), small_chip(), l2_MB=CAPS, tech=STT)
    got = r.totals[list(want.columns)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    per_kernel = r.kernels.groupby("kernel").cycles.sum().tolist()
    assert per_kernel == [99590, 89572, 89660]


def _scalar_kernel(issue_sm, l1, l2s, chip, t):
    """The bottleneck model and count columns of one kernel in plain Python (module docstring of
    simulator.gpu.timing): the code the vectorised rows replaced, kept as their oracle."""
    rd = math.ceil(t.read_latency_ns * chip.clocks.l2_MHz / 1000.0 - 1e-9)
    wr = math.ceil(t.write_latency_ns * chip.clocks.l2_MHz / 1000.0 - 1e-9)
    core_per_l2 = chip.clocks.core_MHz / chip.clocks.l2_MHz
    RH, RM, WH, WM, EV, WB, NR, NW = range(8)
    busy = max((s[RH] + s[RM] + s[WB]) * rd + (s[WH] + s[WM] + s[NR]) * wr for s in l2s.tolist()) * core_per_l2
    grain = chip.sector_B or chip.l2.line_B
    per_slice = [s[NR] + s[NW] for s in l2s.tolist()]
    spc = chip.l2.slices_per_channel
    per_ch = [sum(per_slice[c * spc:(c + 1) * spc]) for c in range(chip.l2.channels)]
    dram = max(per_ch) * grain / (chip.dram.bandwidth_GBps / chip.l2.channels) * chip.clocks.core_MHz / 1000.0
    latency = chip.l1.hit_latency_cycles + chip.l2.rop_latency_cycles + max(rd, wr) * core_per_l2
    if sum(per_ch) > 0:
        latency += chip.dram.latency_ns * chip.clocks.core_MHz / 1000.0
    issue = max(issue_sm)
    cycles = 0 if l2s.sum() == 0 and issue == 0 else int(math.ceil(max(issue, busy, dram) + latency))
    l2 = l2s.sum(axis=0).tolist()
    atoms = max(grain // chip.dram.atom_B, 1)
    counts = {"l1_reads": l1[RH] + l1[RM], "l1_writes": l1[WH] + l1[WM], "l1_hits": l1[RH] + l1[WH],
              "l1_misses": l1[RM] + l1[WM], "l2_reads": l2[RH] + l2[RM], "l2_writes": l2[WH] + l2[WM],
              "l2_read_hits": l2[RH], "l2_read_misses": l2[RM], "l2_write_hits": l2[WH], "l2_write_misses": l2[WM],
              "l2_evictions": l2[EV], "l2_writebacks": l2[WB], "dram_reads": l2[NR], "dram_writes": l2[NW],
              "dram_read_sectors": l2[NR] * atoms, "dram_write_sectors": l2[NW] * atoms}
    return cycles, counts


def test_vectorised_rows_equal_the_scalar_per_kernel_model():
    chip = small_chip()
    chips = [chip.with_l2_MB(mb) for mb in CAPS]
    acc = run_fast(_chunks(), chip, chips, False)
    assert acc.n == 3 and acc.kids == [0, 1, 2]
    for i, (mb, c) in enumerate(zip(CAPS, chips, strict=True)):
        for name, lat in STT.items():
            t = TechRow(technology=name, **lat)
            rows = fast_rows(acc, i, c, t, mb)
            for r in range(acc.n):
                cycles, counts = _scalar_kernel(acc.issue[r, :-1].tolist(), acc.l1[r].tolist(), acc.l2[i, r], c, t)
                assert rows["cycles"][r] == cycles
                assert set(counts) == set(COUNT_COLUMNS)
                for col, v in counts.items():
                    assert rows[col][r] == v, col


def test_tech_list_gives_each_capacity_its_own_technologies():
    chip = small_chip()
    sot = {"read_latency_ns": 3.71, "write_latency_ns": 1.38}  # DeepNVM++ Table II, 3 MB
    per_cap = [{"sram": STT["sram"]}, {"stt": STT["stt"], "sot": sot}]
    r = simulate_gpu(_chunks(), chip, l2_MB=CAPS, tech=per_cap).totals
    assert list(zip(r.l2_MB, r.technology, strict=True)) == [(0.125, "sram"), (0.25, "stt"), (0.25, "sot")]
    # the same rows as each capacity simulated alone with only its technologies
    for mb, tech in zip(CAPS, per_cap, strict=True):
        alone = simulate_gpu(_chunks(), chip, l2_MB=mb, tech=tech).totals
        got = r[r.l2_MB == mb].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone)
    none_first = simulate_gpu(_chunks(), chip, l2_MB=CAPS, tech=[None, {"stt": STT["stt"]}]).totals
    assert list(none_first.technology) == ["sram", "stt"]  # None: the chip's own SRAM timing
    with pytest.raises(ConfigError) as err:
        simulate_gpu(_chunks(), chip, l2_MB=CAPS, tech=[{"sram": STT["sram"]}])
    assert err.value.field == "tech"


def test_many_kernels_grow_the_accumulators_in_first_use_order():
    # more kernels than the initial 64 rows, ids interleaved across chunks and out of order
    chip = small_chip()
    rng = np.random.default_rng(0)
    from traces.chunk import TraceChunk

    chunks = []
    for c in range(4):
        n = 3000
        kernel = np.sort(rng.integers(0, 150, n)).astype(np.int32)[::-1] + c  # descending ids within a chunk
        addr = rng.integers(0, 1 << 16, n).astype(np.uint64) * 128
        chunks.append(TraceChunk.from_arrays(addr, rng.random(n) < 0.3, rng.integers(0, 4, n), kernel))
    r = simulate_gpu(chunks, chip, l2_MB=CAPS)
    k = r.kernels[r.kernels.l2_MB == CAPS[0]]
    assert k.kernel.is_unique and len(k) > 64
    assert int(k.l1_reads.sum() + k.l1_writes.sum()) == 4 * 3000
    for col in (*COUNT_COLUMNS, "cycles"):
        assert int(k[col].sum()) == int(r.totals[r.totals.l2_MB == CAPS[0]][col].iloc[0])


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64])
def test_issue_counts_equal_numpys_bincount(dtype):
    # the fused per-(kernel, SM) issue count against the numpy passes it replaced: no SM (-1) counts in the last
    # column, an SM id beyond the chip folds onto it (sm_index)
    rng = np.random.default_rng(3)
    n_sms, n_groups = 28, 5
    group = rng.integers(0, n_groups, 50_000)
    sm = rng.integers(-1, 3 * n_sms, 50_000).astype(dtype)
    folded = np.where(sm < 0, n_sms, sm.astype(np.int64) % n_sms)
    want = np.bincount(group * (n_sms + 1) + folded, minlength=n_groups * (n_sms + 1)).reshape(n_groups, n_sms + 1)
    np.testing.assert_array_equal(issue_counts(group, sm, n_sms, n_groups), want)


def test_capacities_sharing_a_set_hash_count_as_when_run_alone():
    """The fold index hashes by the set bits only: capacities whose sets need the same bits share one hash pass
    per chunk (fast.ChunkKeys); each still counts exactly what it counts alone."""
    from simulator.gpu.fast import key_groups
    from simulator.gpu.simulate import _capacities

    chip = small_chip(l2={**SMALL["l2"], "set_index": "fold"})
    per_set_MB = chip.l2.slices * chip.l2.ways * chip.l2.line_B / 2**20
    caps = [s * per_set_MB for s in (8, 12, 16, 24, 32)]  # set bits 3, 4, 4, 5, 5
    chips = [c for _, c in _capacities(chip, caps)]
    assert [c.l2.sets_per_slice for c in chips] == [8, 12, 16, 24, 32]
    assert key_groups(chips) == [0, 1, 1, 3, 3]
    together = simulate_gpu(_chunks(), chip, l2_MB=caps).totals
    for i, mb in enumerate(caps):
        alone = simulate_gpu(_chunks(), chip, l2_MB=[mb]).totals
        for col in COUNT_COLUMNS:
            assert together[col].iloc[i] == alone[col].iloc[0], (mb, col)


@pytest.mark.parametrize("in_flight, max_pending", [(1, 64), (2, 64), (4, 64), (2, 1), (2, 3)])
def test_chunks_in_flight_and_job_order_leave_the_counts_alone(monkeypatch, in_flight, max_pending):
    """The L2 jobs of up to ``IN_FLIGHT`` full chunks' worth of requests (and ``MAX_PENDING`` chunks) pend while
    the next chunk's L1 stage runs, each capacity a lane, each chunk's jobs submitted largest cache first: with tiny
    chunks between large ones (a bias kernel between two GEMMs) and capacities given in no particular order, every
    capacity still counts exactly what it counts alone."""
    from simulator.gpu import fast
    from traces.chunk import TraceChunk

    whole = list(_chunks())
    cols = {f: np.concatenate([getattr(c, f) for c in whole]) for f in ("addr", "is_write", "sm", "kernel")}
    cuts = np.cumsum([6000, 7, 40, 9000, 3, 1, 5000, 11, 2500])
    parts = [TraceChunk(*(np.split(cols[f], cuts)[i] for f in ("addr", "is_write", "sm", "kernel")))
             for i in range(len(cuts) + 1)]
    caps = [0.25, 0.0625, 0.5, 0.125]
    monkeypatch.setattr(fast, "IN_FLIGHT", in_flight)
    monkeypatch.setattr(fast, "MAX_PENDING", max_pending)
    monkeypatch.setattr(fast, "SPLIT_MIN", 64)  # chunks' L2 mapping cut in two whenever the L2 threads are idle
    together = simulate_gpu(iter(parts), small_chip(), l2_MB=caps).kernels
    for mb in caps:
        alone = simulate_gpu(_chunks(), small_chip(), l2_MB=[mb]).kernels
        got = together[together.l2_MB == mb].reset_index(drop=True)
        pd.testing.assert_frame_equal(got[["kernel", *COUNT_COLUMNS]], alone[["kernel", *COUNT_COLUMNS]],
                                      check_dtype=False)


def test_the_l2_mapping_cut_in_two_maps_every_address_alike():
    """A chunk's L2 mapping, its second half on another thread (``fast._map_l2``), equals the mapping in one piece,
    for every partition hash."""
    from concurrent.futures import ThreadPoolExecutor

    from simulator.gpu import fast
    from simulator.gpu.l2map import map_l2

    addr = np.random.default_rng(5).integers(0, 2**34, fast.SPLIT_MIN + 12_345, dtype=np.uint64)
    with ThreadPoolExecutor(max_workers=1) as helper:
        for hash_, channels in (("linear", 12), ("xor", 8), ("ipoly", 12), ("random", 12), ("fold", 12)):
            chip = load_chip("sm6-titanx", overrides={"l2": {"channel_hash": hash_, "channels": channels}})
            whole = map_l2(addr, chip.l2)
            cut = fast._map_l2(addr, chip, helper)
            for a, b in zip(whole, cut, strict=True):
                np.testing.assert_array_equal(a, b)
