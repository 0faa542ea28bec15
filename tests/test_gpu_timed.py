"""The timed engine's pieces against first principles: the calendar against a brute-force slot set, and whole
kernels against the sum of GPGPU-Sim's latencies as SM6_TITANX's config sets them (gpgpusim.config,
config_pascal_islip.icnt; the preset's ``[timing]`` table)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator import load_chip, simulate_gpu
from simulator.gpu.kernels import timeline as T
from traces.chunk import TraceChunk

CHIP = load_chip("sm6-titanx", overrides={"l2": {"set_index": "xor", "channel_hash": "linear"}})
LAUNCH = 5000  # -gpgpu_kernel_launch_latency
# one way to the L2: SM pipeline 2 + icnt 4 + L2 pop 1 + ROP 120; the access 1 cycle; back: queue 1 + icnt 4 + SM 2
HIT = 2 + 4 + 1 + 120 + 1 + 1 + 4 + 2
# a miss adds the DRAM latency queue (-dram_latency 100, one cycle to enter), a 32 B bus slot (0.8 ns at 40 GB/s per
# channel = 1.13 core cycles, whole cycles), CL = 16 DRAM cycles at 2500 MHz in core cycles, and the fill; waiting
# for the bus slot's start on its 1.13-cycle grid adds up to 2 more
MISS = HIT + 1 + 100 + 2 + math.ceil(16 * 1417 / 2500) + 1
GRID = 2


def test_calendar_books_the_earliest_free_slot_whatever_the_booking_order():
    rng = np.random.default_rng(5)
    cal = np.zeros((1, 64), np.uint64)  # 4096 slots
    base = np.zeros(1, np.int64)
    taken: set[int] = set()
    for t in rng.integers(0, 3000, 2000).tolist():
        got = T.cal_take(cal, base, 0, t)
        want = next(s for s in range(t, 10**6) if s not in taken)
        assert got == want
        taken.add(want)


def _kernel_table(ctas: int, steps: int, sync: bool) -> pd.DataFrame:
    return pd.DataFrame({"kernel": [0], "ctas": [ctas], "ctas_per_sm": [2 if sync else 8], "steps": [steps],
                         "step_sync": [sync], "threads_per_cta": [256]})


def _run(addr, is_write, sm, kernels):
    ch = TraceChunk.from_arrays(np.asarray(addr, np.uint64), np.asarray(is_write), np.asarray(sm), 0)
    return int(simulate_gpu([ch], CHIP, mode="timed", kernels=kernels).totals.cycles.iloc[0])


@pytest.mark.parametrize("steps", [1, 4, 9])
def test_synchronised_steps_each_wait_one_round_trip(steps):
    """Two CTAs on two SMs, each step one read: the first misses (cold L2), the rest hit the same sector, and each
    step waits for the previous one's reply (the SGEMM's barrier): launch + MISS + (steps - 1) x HIT."""
    addr, sm = [], []
    for _ in range(steps):
        for cta in (0, 1):
            addr.append(0x100000 + cta * 0x10000)
            sm.append(cta)
    cycles = _run(addr, [False] * len(addr), sm, _kernel_table(2, steps, True))
    assert 0 <= cycles - (LAUNCH + MISS + (steps - 1) * HIT) <= GRID


def test_a_store_waits_for_its_warps_load_and_without_the_table_nothing_waits():
    """One warp loads a sector (a miss) and stores another: the store issues when the load's data is back and is
    acknowledged a hit's round trip later.  Without the trace's kernel table both issue at once (one per cycle)."""
    addr, w, sm = [0x200000, 0x300000], [False, True], [0, 0]
    assert 0 <= _run(addr, w, sm, _kernel_table(1, 1, False)) - (LAUNCH + MISS + HIT) <= GRID
    assert 0 <= _run(addr, w, sm, None) - (LAUNCH + MISS) <= GRID


def test_one_sm_issues_and_takes_back_one_request_per_cycle():
    """1000 independent reads from one SM to one sector: the port issues one per cycle; the first misses, the
    next ones wait for its fill (HIT_RESERVED), and the SM takes one reply per cycle: the last reply arrives 999
    cycles after the first."""
    n = 1000
    assert 0 <= _run([0x400000] * n, [False] * n, [0] * n, None) - (LAUNCH + MISS + (n - 1)) <= GRID


def test_slow_writes_hold_the_slice():
    """STT-MRAM's 9.31 ns writes hold an L2 slice for ceil(9.31 x 1.417) = 14 cycles: 200 writes to one slice from
    four SMs take 14 cycles each, where SRAM's one-cycle writes keep up with the SMs' issue."""
    n = 200
    addr = [0x500000 + 32 * (i % 4) for i in range(n)]  # one 128 B line: one slice
    ch = [TraceChunk.from_arrays(np.asarray(addr, np.uint64), True, np.arange(n) % 4, 0)]
    tech = {"sram": {"read_latency_ns": 0.7057, "write_latency_ns": 0.7057},
            "stt": {"read_latency_ns": 2.98, "write_latency_ns": 9.31}}
    t = simulate_gpu(ch, CHIP, mode="timed", tech=tech).totals.set_index("technology").cycles
    assert t["sram"] == LAUNCH + HIT + (n - 1)  # four SMs issue 4 per cycle; the slice takes one per cycle
    assert t["stt"] == LAUNCH + HIT - 1 + 14 * n  # the slice takes one per 14 cycles
