"""Oracles and builders shared by several test modules (test modules never import each other).

Fixtures built on these live in ``conftest.py``.
"""

from __future__ import annotations

import pandas as pd

from simulator.gpu.chip import load_chip
from traces.synthetic import synthetic_chunks
from workloads.ops import Elementwise, Gemm, Tensor

# ------------------------------------------------------------------------------------------------ DeepNVM++ tables

# DeepNVM++ Table II (seed deepnvm_plus_plus.txt), 3 MB and iso-area 7 / 10 MB columns
TECH = pd.DataFrame(
    [
        ("sram", 3.0, 2.91, 1.53, 0.35, 0.32, 6442.0),
        ("stt", 3.0, 2.98, 9.31, 0.81, 0.31, 748.0),
        ("sot", 3.0, 3.71, 1.38, 0.49, 0.22, 527.0),
        ("stt", 7.0, 4.58, 10.06, 0.93, 0.43, 1706.0),
        ("sot", 10.0, 6.69, 2.47, 0.51, 0.40, 1434.0),
    ],
    columns=["technology", "capacity_MB", "read_latency_ns", "write_latency_ns", "read_energy_nJ",
             "write_energy_nJ", "leakage_mW"],
)
# the same parameters at every capacity of a sweep (a flat table is enough to test the plumbing)
FLAT = pd.concat([TECH.iloc[:3].assign(capacity_MB=c) for c in (1.0, 2.0, 3.0, 4.0, 6.0, 12.0, 24.0)],
                 ignore_index=True)


def analytic_points(points):
    """Cyclic-scan LRU oracle for study points: a working set of W lines read cyclically R = 4 times through an LRU
    cache of C lines misses W times if it fits and W x R times if it does not (LRU thrashes on a cyclic scan); the
    working set grows with the batch; one write pass."""
    out = []
    for p in points:
        wl = p.workload
        lines = 2**20 // 128 * wl.batch * (2 if wl.phase == "training" else 1) * (1 + len(wl.network) % 3)
        cap_lines = p.l2_MB * 2**20 / 128
        reads, writes = 4 * lines, lines
        misses = lines if lines <= cap_lines else reads
        out.append(pd.DataFrame([{
            "network": wl.network, "dataset": wl.dataset or "", "phase": wl.phase, "batch": wl.batch,
            "chip": p.chip, "l2_MB": p.l2_MB, "mode": p.mode, "l2_reads": reads, "l2_writes": writes,
            "l2_read_hits": reads - misses, "l2_read_misses": misses, "l2_write_hits": writes, "l2_write_misses": 0,
            "l2_writebacks": 0, "dram_reads": misses, "dram_writes": 0, "dram_read_sectors": 4 * misses,
            "dram_write_sectors": 0, "cycles": reads + writes, "time_ns": (reads + writes) / 1.481,
            **({"technology": p.technology} if p.technology else {})}]))
    return out


# ------------------------------------------------------------------------------------------------ GPU engine

# small chip: 4 SMs, 8-set 2-way L1s that global accesses go through, 4 slices (2 channels x 2) of 16 sets x 4 ways
# with fetch-on-write; reused by most tests (the preset it shrinks, gtx1080ti-deepnvm, skips the L1 and
# write-allocates naively, as GPGPU-Sim's SM6_GTX1080: the engine tests keep exercising both levels)
SMALL = {"n_sms": 4, "l1": {"sets": 8, "ways": 2, "skip_global_loads": False},
         "l2": {"channels": 2, "sets_per_slice": 16, "ways": 4, "write_allocate": "fetch_on_write"}}
STT = {"sram": {"read_latency_ns": 2.91, "write_latency_ns": 1.53},   # DeepNVM++ Table II, 3 MB
       "stt": {"read_latency_ns": 2.98, "write_latency_ns": 9.31}}


def small_chip(**extra):
    return load_chip("gtx1080ti-deepnvm", overrides={**SMALL, **extra})


def trace(n=20000, seed=0, n_sms=4, wf=0.3, footprint=64 * 1024, chunk=5000, kernels=1):
    return list(synthetic_chunks("random", n, n_sms=n_sms, write_fraction=wf, footprint_B=footprint, seed=seed,
                                 chunk_size=chunk, n_kernels=kernels))


# ------------------------------------------------------------------------------------------------ systolic

def mlp_step(batch=8, dims=(16, 32, 10)):
    """A hand-built MLP training step: forward, loss gradient, backward-data, backward-weight, SGD update."""
    ops = []
    acts = [Tensor("x", (batch, dims[0]), kind="input")]
    ws = []
    for i in range(len(dims) - 1):
        w = Tensor(f"fc{i}.W", (dims[i], dims[i + 1]), kind="weight")
        out = Tensor(f"fc{i}.out", (batch, dims[i + 1]), kind="activation")
        ops.append(Gemm(f"fc{i}.fwd", f"fc{i}", "forward", batch, dims[i + 1], dims[i], acts[-1], w, out))
        acts.append(out)
        ws.append(w)
    last = len(dims) - 1
    errs = {last: Tensor("loss.err", (batch, dims[-1]), kind="error")}
    ops.append(Elementwise("loss", "loss", "backward_data", "softmax_loss_grad", (acts[-1],), (errs[last],), 0))
    grads = {}
    for i in reversed(range(len(dims) - 1)):
        e_out = errs[i + 1]
        if i > 0:
            errs[i] = Tensor(f"fc{i}.err_in", (batch, dims[i]), kind="error")
            ops.append(Gemm(f"fc{i}.bwd_data", f"fc{i}", "backward_data", batch, dims[i], dims[i + 1], e_out, ws[i],
                            errs[i]))
        grads[i] = Tensor(f"fc{i}.dW", (dims[i], dims[i + 1]), kind="weight_grad")
        ops.append(Gemm(f"fc{i}.bwd_weight", f"fc{i}", "backward_weight", dims[i], dims[i + 1], batch, acts[i],
                        e_out, grads[i]))
    for i in range(len(dims) - 1):
        ops.append(Elementwise(f"fc{i}.sgd", f"fc{i}", "update", "sgd", (ws[i], grads[i]), (ws[i],),
                               2 * ws[i].elements))
    return ops


def power_table(caps=(0.001, 0.01, 0.1, 1.0, 10.0)) -> pd.DataFrame:
    """A hand-made table: SRAM leaks a lot and is large; 'mram' is 3x denser, leaks 5x less, writes 10x dearer.

    Every column is a power law of capacity, so log-log interpolation between rows is exact.
    """
    rows = []
    for c in caps:
        rows.append(dict(technology="sram", capacity_MB=c, read_latency_ns=1.0 * c ** 0.2, write_latency_ns=1.0,
                         read_energy_nJ=0.01 * c ** 0.5, write_energy_nJ=0.01 * c ** 0.5, leakage_mW=100.0 * c,
                         area_mm2=3.0 * c))
        rows.append(dict(technology="mram", capacity_MB=c, read_latency_ns=2.0 * c ** 0.2, write_latency_ns=10.0,
                         read_energy_nJ=0.02 * c ** 0.5, write_energy_nJ=0.1 * c ** 0.5, leakage_mW=20.0 * c,
                         area_mm2=1.0 * c))
    return pd.DataFrame(rows)


#: A tiny network for the scratchpad studies: (name, dataset, ops of one training step).
NET = ("mlp", "toy", mlp_step(batch=64, dims=(64, 128, 128, 10)))
