"""``nvmsim sweep-l2`` and friends end to end: real simulator on small workloads, the profile path, and the
DRAM-never-increases invariant (LRU, same sets per slice doubling: a larger L2 holds a superset of lines —
the inclusion property of LRU stacks, Mattson et al. 1970)."""

import pandas as pd
import pytest

from simulator.cli import main

NCU_HEADER = ["ID", "Process ID", "Process Name", "Host Name", "Kernel Name", "Context", "Stream", "Section Name",
              "Metric Name", "Metric Unit", "Metric Value"]
# (launch id, kernel, metric, value with a thousands separator as ncu prints it) — Nsight Compute --csv long format
NCU_VALUES = [
    ("0", "sgemm_128x128", "dram__sectors_read.sum", "1,200"), ("0", "sgemm_128x128", "dram__sectors_write.sum", "300"),
    ("0", "sgemm_128x128", "lts__t_sectors_op_read.sum", "40,000"),
    ("0", "sgemm_128x128", "lts__t_sectors_op_write.sum", "5,000"),
    ("1", "relu_kernel", "dram__sectors_read.sum", "800"), ("1", "relu_kernel", "dram__sectors_write.sum", "700"),
    ("1", "relu_kernel", "lts__t_sectors_op_read.sum", "2,000"),
    ("1", "relu_kernel", "lts__t_sectors_op_write.sum", "1,000"),
]


def _ncu_csv(path):
    rows = [NCU_HEADER] + [[i, "101", "caffe", "host", k, "1", "7", "Command line profiler metrics", m, "sector", v]
                           for i, k, m, v in NCU_VALUES]
    path.write_text("".join(",".join(f'"{x}"' for x in r) + "\n" for r in rows))
    return path


def test_sweep_l2_cli_writes_csv_parquet_png(tmp_path):
    out = tmp_path / "out"
    rc = main(["sweep-l2", "--network", "lenet5", "--phase", "inference", "--batch", "2", "--l2", "3,6",
               "--out", str(out), "--quiet"])
    assert rc == 0
    df = pd.read_csv(out / "sweep_l2.csv")
    assert (out / "sweep_l2.parquet").exists() and (out / "sweep_l2.png").stat().st_size > 1000
    assert len(df) == 6 and set(df.technology) == {"sram", "stt", "sot"}
    assert (df["mode"] == "fast").all()
    for c in ("dram_reads", "dram_writes", "dram_accesses", "dram_reduction_pct", "l2_reads", "l2_writes",
              "l2_hit_rate", "cycles", "total_energy_nJ", "edp_Js", "edp_l2_Js"):
        assert c in df.columns
    # counts are technology-independent in fast mode
    assert df.groupby("l2_MB").dram_accesses.nunique().max() == 1
    # every point stored by the time the command returns (the last ones while the figure was drawn), with no
    # claim left held: a rerun into the same --out computes nothing
    from simulator.studies.runner import _claim_is_free, stored_points

    keys = stored_points(out / "points")
    assert len(keys) == len(df) and all(_claim_is_free(out / "points", k) for k in keys)


@pytest.mark.parametrize("network,phase", [("squeezenet", "inference"), ("squeezenet", "training"),
                                           ("lenet5", "training")])
def test_dram_accesses_never_increase_with_capacity(network, phase):
    from simulator.studies import deepnvm

    counts = deepnvm.simulate_counts([deepnvm.workload(network, phase, 1)], [3, 6, 12, 24])
    d = (counts.dram_reads + counts.dram_writes).to_numpy()
    assert all(d[i + 1] <= d[i] for i in range(len(d) - 1)), d
    assert (counts.l2_reads.nunique(), counts.l2_writes.nunique()) == (1, 1)  # L2 sees the same traffic


def test_workers_two_same_as_in_process(tmp_path):
    from simulator.studies import deepnvm

    a = deepnvm.sweep_l2("lenet5", "training", 2, l2_MB=[3, 6], store=tmp_path / "a")
    b = deepnvm.sweep_l2("lenet5", "training", 2, l2_MB=[3, 6], store=tmp_path / "b", workers=2)
    pd.testing.assert_frame_equal(a, b)


def test_from_profile(tmp_path):
    prof = _ncu_csv(tmp_path / "ncu.csv")
    out = tmp_path / "o"
    assert main(["sweep-l2", "--from-profile", str(prof), "--l2", "3", "--out", str(out), "--quiet"]) == 0
    df = pd.read_csv(out / "sweep_l2.csv")
    assert len(df) == 3 and (df["mode"] == "profile").all()
    r = df.iloc[0]
    assert (r.l2_reads, r.l2_writes, r.dram_reads, r.dram_writes) == (42000, 6000, 2000, 1000)
    # energy = profiled counts x the circuit model's per-access energies, as the paper's iso-capacity path
    assert r.l2_dynamic_nJ == pytest.approx(42000 * r.read_energy_nJ + 6000 * r.write_energy_nJ)


def test_bad_profile_and_bad_option(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("hello,world\n1,2\n")
    assert main(["sweep-l2", "--from-profile", str(bad), "--out", str(tmp_path)]) == 2
    assert main(["sweep-l2", "--l2", "3,x"]) == 2
    assert "--l2" in capsys.readouterr().err


def test_dask_sweep_same_as_in_process(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    from simulator.studies import deepnvm

    ref = deepnvm.sweep_l2("lenet5", "training", 2, l2_MB=[3, 6], store=tmp_path / "a")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as c:
        got = deepnvm.sweep_l2("lenet5", "training", 2, l2_MB=[3, 6], store=tmp_path / "b",
                               scheduler=c.scheduler_address)
    pd.testing.assert_frame_equal(got, ref)


def test_timed_mode_slow_writes_cost_cycles(tmp_path):
    """Timed mode: each technology is its own simulation; STT-MRAM's ~9 ns writes (DeepNVM++ Table II) keep
    L2 slices busy longer than SRAM's, so the same training step takes more cycles."""
    from simulator.studies import deepnvm

    df = deepnvm.sweep_l2("lenet5", "training", 2, l2_MB=[3], mode="timed", time_basis="sim")
    assert (df["mode"] == "timed").all() and len(df) == 3
    cyc = df.set_index("technology").cycles
    assert cyc["stt"] > cyc["sram"]
    t = df.set_index("technology")
    assert t.delay_sim_ns["stt"] == pytest.approx(t.time_ns["stt"])


def test_study_verbs_write_tables_and_figures(tmp_path):
    common = ["--networks", "lenet5", "--phases", "training", "--training-batch", "2", "--quiet"]
    assert main(["iso-capacity", *common, "--out", str(tmp_path / "ic")]) == 0
    ic = pd.read_csv(tmp_path / "ic" / "iso_capacity.csv")
    assert set(ic.technology) == {"sram", "stt", "sot"} and (ic[ic.technology == "sram"].edp_Js_norm == 1).all()
    assert (tmp_path / "ic" / "iso_capacity.png").exists() and (tmp_path / "ic" / "iso_capacity.parquet").exists()
    # the other verbs write their table with --csv (figures are covered by the reproduce test)
    assert main(["iso-area", *common, "--capacities", "stt:6,sot:12", "--csv", str(tmp_path / "ia.csv")]) == 0
    ia = pd.read_csv(tmp_path / "ia.csv")
    assert dict(zip(ia.technology, ia.l2_MB, strict=True)) == {"sram": 3.0, "stt": 6.0, "sot": 12.0}
    assert (ia.dram_reduction_pct >= 0).all()  # a larger LRU L2 never adds DRAM traffic
    assert main(["scalability", *common, "--l2", "3,6", "--csv", str(tmp_path / "sc.csv")]) == 0
    assert set(pd.read_csv(tmp_path / "sc.csv").metric) >= {"energy", "latency", "edp"}
    assert main(["batch-size", "--network", "lenet5", "--batches", "1,2", "--phases", "inference", "--quiet",
                 "--csv", str(tmp_path / "bs.csv")]) == 0
    assert sorted(pd.read_csv(tmp_path / "bs.csv").batch.unique()) == [1, 2]
