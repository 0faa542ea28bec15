"""The GPU engine: counts against independently composed caches, invariants, timing model, modes, inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.errors import ConfigError
from simulator.gpu import COUNT_COLUMNS, simulate_gpu
from simulator.gpu.cache import Cache
from simulator.gpu.chip import load_chip
from simulator.gpu.l2map import map_l2, set_keys_for
from tests.support import SMALL, STT, small_chip, trace
from traces.chunk import TraceChunk
from traces.synthetic import synthetic_chunks


def expected_counts(chunks, chip):
    """Compose the hierarchy from independent Cache objects (one per SM, one per slice), in trace order (whole-line
    chips with a write-through, no-write-allocate L1; the L2's write-allocate mode as the chip's)."""
    l1 = [Cache(sets=chip.l1.sets, ways=chip.l1.ways, write_back=False, write_allocate=False, policy=chip.l1.policy)
          for _ in range(chip.n_sms)]
    l2 = [Cache(sets=chip.l2.sets_per_slice, ways=chip.l2.ways, policy=chip.l2.policy,
                write_allocate=chip.l2.write_allocate_mode) for _ in range(chip.l2.slices)]
    for ch in chunks:
        for a, w, sm in zip(ch.addr.tolist(), ch.is_write.tolist(), ch.sm.tolist(), strict=True):
            if sm < 0 or chip.l1_bypassed:  # no SM, or no L1 in use: the access bypasses the L1s
                down = [(a, w)]
            else:
                c1 = l1[sm % chip.n_sms]
                c1.access(np.array([a], np.uint64), w)
                down = zip(c1.stream.addr, c1.stream.is_write, strict=True)
            for a2, w2 in down:
                s, key = map_l2(np.array([a2], np.uint64), chip.l2)
                key = set_keys_for(key, chip.l2)  # the preset's set-index hash (identity for "modulo")
                # the slice's cache sees the compacted set key as its line address modulo sets: feed an address
                # with that set and a tag unique to the line
                probe = np.uint64((int(a2) // 128 * chip.l2.sets_per_slice + int(key[0]) % chip.l2.sets_per_slice)
                                  * 128)
                l2[int(s[0])].access(np.array([probe], np.uint64), bool(w2))
    s1 = [c.stats for c in l1]
    s2 = [c.stats for c in l2]
    return {
        "l1_hits": sum(s.hits for s in s1), "l1_misses": sum(s.misses for s in s1),
        "l1_reads": sum(s.reads for s in s1), "l1_writes": sum(s.writes for s in s1),
        "l2_read_hits": sum(s.read_hits for s in s2), "l2_read_misses": sum(s.read_misses for s in s2),
        "l2_write_hits": sum(s.write_hits for s in s2), "l2_write_misses": sum(s.write_misses for s in s2),
        "l2_writebacks": sum(s.writebacks for s in s2), "dram_reads": sum(s.next_reads for s in s2),
        "dram_writes": sum(s.next_writes for s in s2),
    }


@pytest.mark.parametrize("extra", [{}, {"l2": {**SMALL["l2"], "write_allocate": "naive"}},
                                   {"l1": {**SMALL["l1"], "skip_global_loads": True}}],
                         ids=["fetch_on_write", "naive", "skip_l1"])
def test_fast_counts_equal_composed_caches(extra):
    chip = small_chip(**extra)
    chunks = trace(4000, seed=1, chunk=1500)
    r = simulate_gpu(chunks, chip)
    row = r.totals.iloc[0]
    exp = expected_counts(chunks, chip)
    assert {k: int(row[k]) for k in exp} == exp
    assert r.mode == "fast" and row["mode"] == "fast"


def test_l2_fifo_runs_through_both_engines_and_differs_from_lru():
    """``l2.policy = "fifo"`` reaches the L2 slices of both engines (counts equal independently composed FIFO
    caches), and on a trace where it must, it differs from LRU: one hot line read between the lines of a stream
    (no L1: SM -1) always hits under LRU (it is never the least recent), but under FIFO it is evicted whenever
    its set has allocated ``ways`` streamed lines since it came in."""
    n_stream = 4096  # 512 KB of lines: 16x the small chip's 32 KB L2, so every set allocates many times
    hot = np.uint64(1 << 30)
    addr = np.empty(2 * n_stream, dtype=np.uint64)
    addr[0::2] = hot
    addr[1::2] = np.arange(n_stream, dtype=np.uint64) * np.uint64(128)
    chunks = [TraceChunk.from_arrays(addr, False, -1, 0)]
    rows = {}
    for policy in ("lru", "fifo"):
        chip = small_chip(l2={**SMALL["l2"], "policy": policy})
        assert chip.l2.policy == policy and chip.l1.policy == "lru"
        rows[policy] = simulate_gpu(chunks, chip).totals.iloc[0]
        timed = simulate_gpu(chunks, chip, tech=STT, mode="timed").totals
        assert (timed["l2_read_hits"] == rows[policy]["l2_read_hits"]).all()
        exp = expected_counts(chunks, chip)
        assert {k: int(rows[policy][k]) for k in exp} == exp
    lru, fifo = rows["lru"], rows["fifo"]
    assert lru.l2_read_hits == n_stream - 1 and lru.l2_read_misses == n_stream + 1  # every hot read but the first
    # about n_stream / (64 sets) allocations in the hot line's set, one eviction of it per 4 (ways): ~16 misses
    assert fifo.l2_read_misses >= lru.l2_read_misses + 10 and fifo.dram_reads >= lru.dram_reads + 10
    mixed = trace(6000, seed=2, chunk=2000)  # random reads and writes through L1s and L2: still FIFO's own counts
    chip = small_chip(l2={**SMALL["l2"], "policy": "fifo"})
    row = simulate_gpu(mixed, chip).totals.iloc[0]
    assert {k: int(row[k]) for k in expected_counts(mixed, chip)} == expected_counts(mixed, chip)


def test_invariants_and_units():
    chip = small_chip()
    chunks = trace(20000, seed=2)
    row = simulate_gpu(chunks, chip).totals.iloc[0]
    n = sum(len(c) for c in chunks)
    n_w = sum(int(c.is_write.sum()) for c in chunks)
    assert row.l1_hits + row.l1_misses == row.l1_reads + row.l1_writes == n
    assert row.l1_writes == n_w
    # write-through, no-write-allocate L1: every write and every read miss reaches the L2
    assert row.l2_writes == n_w
    # L2 requests = L1 read misses + all writes = L1 misses + L1 write hits
    assert 0 <= row.l2_reads + row.l2_writes - row.l1_misses <= row.l1_hits
    assert row.l2_read_hits + row.l2_read_misses == row.l2_reads
    # write-allocate with fetch-on-write: fills = read misses + write misses; DRAM atoms are 32 B of 128 B lines
    assert row.dram_reads == row.l2_read_misses + row.l2_write_misses
    assert row.dram_writes == row.l2_writebacks
    assert row.dram_read_sectors == 4 * row.dram_reads and row.dram_write_sectors == 4 * row.dram_writes


def test_one_pass_sweep_equals_separate_runs_and_dram_falls_with_capacity():
    chip = small_chip()
    caps = [0.0625, 0.125, 0.25]  # 32, 64, 128 sets per slice
    chunks = trace(30000, seed=3, footprint=512 * 1024, chunk=10000)
    both = simulate_gpu(chunks, chip, l2_MB=caps).totals
    for mb in caps:
        alone = simulate_gpu(chunks, chip, l2_MB=mb).totals
        got = both[both.l2_MB == mb].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone)
    d = both.sort_values("l2_MB").dram_reads.tolist()
    assert d[0] > d[1] > d[2]
    assert both.l2_capacity_B.tolist() == [64 << 10, 128 << 10, 256 << 10]


def test_per_kernel_rows_sum_to_totals():
    chip = small_chip()
    r = simulate_gpu(trace(12000, seed=4, kernels=3), chip, tech=STT)
    assert sorted(r.kernels.kernel.unique()) == [0, 1, 2]
    for tech in ("sram", "stt"):
        k = r.kernels[r.kernels.technology == tech][list(COUNT_COLUMNS) + ["cycles"]].sum()
        t = r.totals[r.totals.technology == tech].iloc[0]
        assert all(int(k[c]) == int(t[c]) for c in [*COUNT_COLUMNS, "cycles"])


def test_fast_mode_stt_writes_cost_cycles_not_counts():
    chip = small_chip()
    t = simulate_gpu(trace(20000, seed=5, wf=0.5), chip, tech=STT).totals.set_index("technology")
    assert (t.loc["sram", list(COUNT_COLUMNS)] == t.loc["stt", list(COUNT_COLUMNS)]).all()
    assert t.loc["stt", "cycles"] > t.loc["sram", "cycles"]


@pytest.mark.parametrize("skip", [True, False])
def test_dram_bound_stream_matches_bandwidth_formula(skip):
    # 28 SMs stream 200k distinct lines (read-only): DRAM-bound, so cycles = bytes / bandwidth + fixed latency; the
    # L1's hit latency is on the path only when accesses go through the L1 (the preset skips it, as SM6_GTX1080)
    chip = load_chip("gtx1080ti-deepnvm", overrides={"l1": {"skip_global_loads": skip}})
    chunks = list(synthetic_chunks("streaming", 200_000, footprint_B=1 << 30, chunk_size=50_000))
    row = simulate_gpu(chunks, chip).totals.iloc[0]
    assert row.dram_reads == 200_000 and row.l2_read_hits == 0
    assert row.l1_reads == (0 if skip else 200_000)
    bytes_per_channel = 200_000 * 128 / chip.l2.channels       # round-robin 256 B chunks: even over channels
    dram_ns = bytes_per_channel / (chip.dram.bandwidth_GBps / chip.l2.channels)
    latency = (0 if skip else 82) + 120 + 5 * 1.0 + 67.5 * 1.481  # L1 hit + rop + ceil(2.91 ns x 1.481 GHz) + DRAM
    assert row.cycles == pytest.approx(dram_ns * 1.481 + latency, rel=1e-3)
    assert row.time_ns == pytest.approx(row.cycles / 1.481, rel=1e-9)


def test_timed_equals_fast_counts_when_interleaving_is_fixed():
    chip = small_chip()
    chunks = trace(6000, seed=6, n_sms=1, chunk=2000)  # one SM: the order of L2 traffic cannot change
    fast = simulate_gpu(chunks, chip, l2_MB=[0.125, 0.25], tech=STT).totals
    timed = simulate_gpu(chunks, chip, l2_MB=[0.125, 0.25], tech=STT, mode="timed").totals
    assert (timed["mode"] == "timed").all()
    pd.testing.assert_frame_equal(fast[list(COUNT_COLUMNS)], timed[list(COUNT_COLUMNS)])


def test_timed_slow_writes_take_longer_and_can_reorder():
    chip = small_chip()
    chunks = trace(20000, seed=7, wf=0.5)
    t = simulate_gpu(chunks, chip, tech=STT, mode="timed").totals.set_index("technology")
    assert t.loc["stt", "cycles"] > 1.2 * t.loc["sram", "cycles"]
    # same accesses reach the L2 either way
    assert t.loc["stt", "l1_reads"] == t.loc["sram", "l1_reads"]
    assert t.loc["stt", "l2_reads"] + t.loc["stt", "l2_writes"] == t.loc["sram", "l2_reads"] + t.loc["sram",
                                                                                                        "l2_writes"]


def test_tech_table_dataframe_per_capacity():
    chip = small_chip()
    table = pd.DataFrame({"technology": ["sram", "sram", "stt", "stt"], "capacity_MB": [0.125, 0.25, 0.125, 0.25],
                          "read_latency_ns": [1.0, 2.0, 1.0, 2.0], "write_latency_ns": [1.0, 2.0, 10.0, 20.0],
                          "read_energy_nJ": [0.1, 0.2, 0.3, 0.4]})
    r = simulate_gpu(trace(5000, seed=8), chip, l2_MB=[0.125, 0.25], tech=table).totals
    assert len(r) == 4 and set(r.technology) == {"sram", "stt"}
    with pytest.raises(ConfigError, match="tech.sram"):
        simulate_gpu(trace(100), chip, l2_MB=[0.5], tech=table)


def test_sm_none_bypasses_l1_and_sectored_chip():
    chip = small_chip()
    ch = TraceChunk.from_arrays(np.arange(100, dtype=np.uint64) * 128, False, -1, 0)
    row = simulate_gpu([ch], chip).totals.iloc[0]
    assert row.l1_reads == 0 and row.l2_reads == 100 and row.dram_reads == 100
    sect = small_chip(sector_B=32)
    ch = TraceChunk.from_arrays(np.arange(400, dtype=np.uint64) * 32, False, 0, 0)
    row = simulate_gpu([ch], sect).totals.iloc[0]
    assert row.dram_reads == 400 and row.dram_read_sectors == 400  # sector units: one 32 B atom each


@pytest.mark.parametrize("kwargs,field", [
    ({"mode": "slow"}, "mode"),
    ({"l2_MB": []}, "l2_MB"),
    ({"l2_MB": [3, -1]}, "l2_MB"),
    ({"tech": {"stt": {"read_latency_ns": 3.0}}}, "tech.stt.write_latency_ns"),
    ({"tech": {"stt": {"read_latency_ns": 3.0, "write_latency_ns": 0}}}, "tech.stt.write_latency_ns"),
    ({"tech": pd.DataFrame({"name": ["x"]})}, "tech"),
    ({"tech": 5}, "tech"),
])
def test_bad_arguments(kwargs, field):
    with pytest.raises(ConfigError) as err:
        simulate_gpu(trace(100), "gtx1080ti-deepnvm", **kwargs)
    assert err.value.field == field


def test_cli_simulate_synthetic_and_trace(tmp_path, capsys):
    from simulator.cli import main

    csv = tmp_path / "sim.csv"
    args = ["simulate", "--pattern", "random", "--accesses", "20000", "--footprint-MB", "0.25", "--chip",
            "gtx1080ti-deepnvm", "--l2", "3,6", "--tech", "sram=2.91/1.53,stt=2.98/9.31", "--csv", str(csv)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "dram_reads" in out and "stt" in out
    df = pd.read_csv(csv)
    # the preset's global accesses skip the L1 (SM6_GTX1080's -gmem_skip_L1D 1): all of them reach the L2
    assert len(df) == 4 and set(df.l2_MB) == {3.0, 6.0} and (df.l1_reads == 0).all()
    assert (df.l2_reads + df.l2_writes == 20000).all()
    assert main(["simulate", "--chip", "nope", "--accesses", "10"]) == 2
    assert "unknown preset" in capsys.readouterr().err
    assert main(["simulate", "--tech", "stt=fast", "--accesses", "10"]) == 2

    from traces import save_trace

    path = tmp_path / "t.nvtrace"
    save_trace(path, synthetic_chunks("streaming", 5000, chunk_size=2000), meta={"what": "test"})
    assert main(["simulate", "--trace", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    df = pd.read_csv(tmp_path / "o" / "simulate.csv")
    assert int(df.l2_reads.iloc[0]) == 5000 and int(df.dram_reads.iloc[0]) == 5000


def test_timed_dram_bound_stream_approaches_bandwidth_limit():
    # the SimPy engine, with DRAM channels as resources, cannot beat the bandwidth bound and, for an even
    # stream, should come close to it (chunk boundaries add a pipeline fill each)
    chip = load_chip("gtx1080ti-deepnvm")
    chunks = list(synthetic_chunks("streaming", 200_000, footprint_B=1 << 30, chunk_size=100_000))
    row = simulate_gpu(chunks, chip, mode="timed").totals.iloc[0]
    bound = 200_000 * 128 / chip.dram.bandwidth_GBps * 1.481  # core cycles
    assert bound < row.cycles < 1.05 * bound + 2 * 400
