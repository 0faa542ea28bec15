"""DRAM accesses fall monotonically as the L2 grows, also at the iso-area capacities (7, 9, 10 MB) whose set
counts are not powers of two (LRU at a fixed interleaving: a larger cache holds what a smaller one held, given a
set index that does not camp; with GPGPU-Sim's plain linear index AlexNet's DRAM accesses jump up and down)."""

import numpy as np

from simulator.gpu import simulate_gpu
from simulator.gpu.chip import load_chip
from traces import network_trace

CAPS = [3, 6, 7, 9, 10, 12, 24]


def test_alexnet_dram_accesses_fall_with_capacity():
    chip = load_chip("gtx1080ti-deepnvm")
    tr = network_trace("alexnet", phase="inference", batch=1, chip=chip)
    t = simulate_gpu(tr, chip, l2_MB=CAPS).totals.sort_values("l2_MB")
    dram = (t["dram_reads"] + t["dram_writes"]).to_numpy()
    assert np.all(np.diff(dram) <= 0), dict(zip(CAPS, dram.tolist(), strict=True))
    assert dram[-1] < 0.8 * dram[0]
