"""DeepNVM++ study functions on analytic counts (no simulator needed): shapes, reductions, normalisation.

The counts come from an analytic LRU oracle: a working set of W lines read cyclically R times through an LRU
cache of C lines misses W times if it fits and W x R times if it does not (LRU thrashes on a cyclic scan).
Technology numbers are DeepNVM++ Table II (seed deepnvm_plus_plus.txt), 3 MB and iso-area 7 / 10 MB columns.
"""

import numpy as np
import pytest

from simulator.studies import deepnvm
from tests.support import FLAT, TECH


def test_sweep_l2_rows_and_reduction(analytic_counts):
    df = deepnvm.sweep_l2("alexnet", "inference", 4, l2_MB=[3, 6, 12, 24], tech=FLAT)
    assert len(df) == 12 and set(df.technology) == {"sram", "stt", "sot"}
    for col in ("dram_reads", "dram_writes", "dram_accesses", "dram_reduction_pct", "l2_reads", "l2_writes",
                "l2_hit_rate", "cycles", "l2_energy_nJ", "edp_Js", "mode"):
        assert col in df.columns
    s = df[df.technology == "sram"].sort_values("l2_MB")
    # alexnet, batch 4: 4 MB x (1 + 7 % 3 = 2) = 8 MB working set: thrashes at 3 and 6 MB, fits from 12 MB
    assert list(s.dram_reduction_pct.round(6)) == [0.0, 0.0, 75.0, 75.0]
    assert list(s.l2_hit_rate.round(6)) == [0.2, 0.2, 0.8, 0.8]
    assert (df["mode"] == "fast").all()


def test_iso_capacity_normalised_to_sram(analytic_counts):
    wls = [deepnvm.workload("alexnet", "inference", 4), deepnvm.workload("vgg16", "training", 8)]
    df = deepnvm.iso_capacity(workloads=wls, tech=TECH)
    assert len(df) == 6
    sram = df[df.technology == "sram"]
    assert np.allclose(sram.edp_Js_norm, 1.0) and np.allclose(sram.l2_leakage_nJ_norm, 1.0)
    stt = df[df.technology == "stt"]
    assert (stt.l2_leakage_nJ_norm < 0.25).all() and (stt.l2_dynamic_nJ_norm > 1.5).all()


def test_iso_area_pairs_each_mram_with_its_capacity(analytic_counts):
    wls = [deepnvm.workload("alexnet", "inference", 4)]
    df = deepnvm.iso_area(workloads=wls, capacities={"stt": 7, "sot": 10}, tech=TECH)
    got = dict(zip(df.technology, df.l2_MB, strict=True))
    assert got == {"sram": 3.0, "stt": 7.0, "sot": 10.0}
    r = df.set_index("technology").dram_reduction_pct
    assert r["sram"] == 0.0 and r["stt"] == 0.0 and r["sot"] == pytest.approx(75.0)  # 8 MB set fits only 10 MB


def test_scalability_summary_mean_std(analytic_counts):
    wls = [deepnvm.workload(n, "inference", 1) for n in ("alexnet", "vgg16", "resnet18")]
    df = deepnvm.scalability(workloads=wls, capacities_MB=[1, 2, 4], tech=FLAT)
    summ = deepnvm.scalability_summary(df)
    assert set(summ.metric) == {"energy", "latency", "edp", "edp_with_dram"}
    one = summ[(summ.technology == "stt") & (summ.l2_MB == 2) & (summ.metric == "edp")].iloc[0]
    vals = df[(df.technology == "stt") & (df.l2_MB == 2)].edp_l2_Js_norm
    assert one["mean"] == pytest.approx(vals.mean()) and one["std"] == pytest.approx(vals.std(ddof=0))
    assert one.n_workloads == 3


def test_batch_size_grid(analytic_counts):
    df = deepnvm.batch_size("alexnet", [1, 4], ["training"], tech=TECH)
    assert sorted(df.batch.unique()) == [1, 4] and set(df.phase) == {"training"}


def test_bad_study_inputs(analytic_counts):
    from models.errors import ConfigError

    with pytest.raises(ConfigError, match="phase"):
        deepnvm.workload("alexnet", "train", 4)
    with pytest.raises(ConfigError, match="batch"):
        deepnvm.workload("alexnet", "training", 0)
    with pytest.raises(ConfigError, match="mode"):
        deepnvm.sweep_l2(mode="slow", tech=FLAT)
    with pytest.raises(ConfigError, match="l2_MB"):
        deepnvm.sweep_l2(l2_MB=[0], tech=FLAT)

