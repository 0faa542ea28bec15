"""``nvmsim simulate --network``: a zoo network traced and simulated end to end (issue 3's end-to-end verb)."""

import pandas as pd

from simulator.cli import main


def test_network_simulation_prints_kernels_and_totals(tmp_path, capsys):
    rc = main(["simulate", "--network", "lenet5", "--dataset", "mnist", "--phase", "training", "--batch", "2",
               "--l2", "3,6", "--out", str(tmp_path)])
    assert rc == 0
    totals = pd.read_csv(tmp_path / "simulate.csv")
    kernels = pd.read_csv(tmp_path / "simulate_kernels.csv")
    assert list(totals["l2_MB"]) == [3, 6]
    # the per-kernel rows add up to the totals, capacity by capacity
    for mb, grp in kernels.groupby("l2_MB"):
        row = totals[totals["l2_MB"] == mb].iloc[0]
        for col in ("l2_reads", "l2_writes", "dram_reads", "dram_writes"):
            assert grp[col].sum() == row[col]
    # training launches the backward kernels a DarkNet-style framework runs
    assert kernels["kernel_name"].str.contains("col2im").any()
    assert kernels["kernel_name"].str.contains("sgemm").any()
    # a bigger L2 never needs more DRAM reads (LRU, same set mapping, fixed interleaving)
    assert totals["dram_reads"].iloc[1] <= totals["dram_reads"].iloc[0]
    assert "sgemm" in capsys.readouterr().out


def test_network_bad_batch_is_one_line_error(capsys):
    assert main(["simulate", "--network", "lenet5", "--batch", "0"]) == 2
    assert "--batch" in capsys.readouterr().err


def test_unknown_network_names_valid_ones(capsys):
    assert main(["simulate", "--network", "nosuchnet"]) == 2
    assert "alexnet" in capsys.readouterr().err
