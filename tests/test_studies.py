"""DeepNVM++ study functions on analytic counts (no simulator needed): shapes, reductions, normalisation.

The counts come from an analytic LRU oracle: a working set of W lines read cyclically R times through an LRU
cache of C lines misses W times if it fits and W x R times if it does not (LRU thrashes on a cyclic scan).
Technology numbers are DeepNVM++ Table II (seed deepnvm_plus_plus.txt), 3 MB and iso-area 7 / 10 MB columns.
"""

import numpy as np
import pandas as pd
import pytest

from simulator.studies import deepnvm

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


def analytic_compute(points):
    """Cyclic-scan LRU oracle: working set grows with batch; reads R=4 passes, one write pass."""
    out = []
    for p in points:
        wl = p["workload"]
        lines = 2**20 // 128 * wl["batch"] * (2 if wl["phase"] == "training" else 1) * (1 + len(wl["network"]) % 3)
        cap_lines = p["l2_MB"] * 2**20 / 128
        reads, writes = 4 * lines, lines
        misses = lines if lines <= cap_lines else reads
        out.append(pd.DataFrame([{
            "network": wl["network"], "dataset": wl["dataset"] or "", "phase": wl["phase"], "batch": wl["batch"],
            "chip": p["chip"], "l2_MB": p["l2_MB"], "mode": p["mode"], "l2_reads": reads, "l2_writes": writes,
            "l2_read_hits": reads - misses, "l2_read_misses": misses, "l2_write_hits": writes, "l2_write_misses": 0,
            "l2_writebacks": 0, "dram_reads": misses, "dram_writes": 0, "dram_read_sectors": 4 * misses,
            "dram_write_sectors": 0, "cycles": reads + writes, "time_ns": (reads + writes) / 1.481,
            **({"technology": p["technology"]} if p.get("technology") else {})}]))
    return out


def test_sweep_l2_rows_and_reduction():
    df = deepnvm.sweep_l2("alexnet", "inference", 4, l2_MB=[3, 6, 12, 24], tech=FLAT, compute=analytic_compute)
    assert len(df) == 12 and set(df.technology) == {"sram", "stt", "sot"}
    for col in ("dram_reads", "dram_writes", "dram_accesses", "dram_reduction_pct", "l2_reads", "l2_writes",
                "l2_hit_rate", "cycles", "l2_energy_nJ", "edp_Js", "mode"):
        assert col in df.columns
    s = df[df.technology == "sram"].sort_values("l2_MB")
    # alexnet, batch 4: 4 MB x (1 + 7 % 3 = 2) = 8 MB working set: thrashes at 3 and 6 MB, fits from 12 MB
    assert list(s.dram_reduction_pct.round(6)) == [0.0, 0.0, 75.0, 75.0]
    assert list(s.l2_hit_rate.round(6)) == [0.2, 0.2, 0.8, 0.8]
    assert (df["mode"] == "fast").all()


def test_iso_capacity_normalised_to_sram():
    wls = [deepnvm.workload("alexnet", "inference", 4), deepnvm.workload("vgg16", "training", 8)]
    df = deepnvm.iso_capacity(workloads=wls, tech=TECH, compute=analytic_compute)
    assert len(df) == 6
    sram = df[df.technology == "sram"]
    assert np.allclose(sram.edp_Js_norm, 1.0) and np.allclose(sram.l2_leakage_nJ_norm, 1.0)
    stt = df[df.technology == "stt"]
    assert (stt.l2_leakage_nJ_norm < 0.25).all() and (stt.l2_dynamic_nJ_norm > 1.5).all()


def test_iso_area_pairs_each_mram_with_its_capacity():
    wls = [deepnvm.workload("alexnet", "inference", 4)]
    df = deepnvm.iso_area(workloads=wls, capacities={"stt": 7, "sot": 10}, tech=TECH, compute=analytic_compute)
    got = dict(zip(df.technology, df.l2_MB, strict=True))
    assert got == {"sram": 3.0, "stt": 7.0, "sot": 10.0}
    r = df.set_index("technology").dram_reduction_pct
    assert r["sram"] == 0.0 and r["stt"] == 0.0 and r["sot"] == pytest.approx(75.0)  # 8 MB set fits only 10 MB


def test_scalability_summary_mean_std():
    wls = [deepnvm.workload(n, "inference", 1) for n in ("alexnet", "vgg16", "resnet18")]
    df = deepnvm.scalability(workloads=wls, capacities_MB=[1, 2, 4], tech=FLAT, compute=analytic_compute)
    summ = deepnvm.scalability_summary(df)
    assert set(summ.metric) == {"energy", "latency", "edp", "edp_with_dram"}
    one = summ[(summ.technology == "stt") & (summ.l2_MB == 2) & (summ.metric == "edp")].iloc[0]
    vals = df[(df.technology == "stt") & (df.l2_MB == 2)].edp_l2_Js_norm
    assert one["mean"] == pytest.approx(vals.mean()) and one["std"] == pytest.approx(vals.std(ddof=0))
    assert one.n_workloads == 3


def test_batch_size_grid():
    df = deepnvm.batch_size("alexnet", [1, 4], ["training"], tech=TECH, compute=analytic_compute)
    assert sorted(df.batch.unique()) == [1, 4] and set(df.phase) == {"training"}


def test_bad_study_inputs():
    from models.errors import ConfigError

    with pytest.raises(ConfigError, match="phase"):
        deepnvm.workload("alexnet", "train", 4)
    with pytest.raises(ConfigError, match="batch"):
        deepnvm.workload("alexnet", "training", 0)
    with pytest.raises(ConfigError, match="mode"):
        deepnvm.sweep_l2(mode="slow", tech=FLAT, compute=analytic_compute)
    with pytest.raises(ConfigError, match="l2_MB"):
        deepnvm.sweep_l2(l2_MB=[0], tech=FLAT, compute=analytic_compute)

