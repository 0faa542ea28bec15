"""``nvmsim workloads``: the zoo listing, per-layer tables and lowered ops through the CLI."""

import pandas as pd

from simulator.cli import main


def test_list_shows_every_zoo_network(capsys):
    assert main(["workloads"]) == 0
    out = capsys.readouterr().out
    for name in ("alexnet", "googlenet", "vgg16", "resnet18", "squeezenet", "gpt2"):
        assert name in out
    assert "60965224" in out  # AlexNet weights


def test_show_writes_the_table(tmp_path, capsys):
    csv = tmp_path / "r18.csv"
    argv = ["workloads", "show", "resnet18", "--dataset", "cifar10", "--batch", "8", "--phase", "training",
            "--csv", str(csv)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "11,173,962 weights" in out
    df = pd.read_csv(csv)
    assert df["weights"].sum() == 11_173_962
    assert df["macs"].sum() == 8 * 555_422_720
    conv = df[df["kind"] == "conv"]
    # Training: backward-weight equals forward for every conv; backward-data too except for conv1.
    assert (conv["macs_bwd_weight"] == conv["macs_fwd"]).all()
    assert conv["macs_bwd_data"].sum() == conv["macs_fwd"].sum() - conv.iloc[0]["macs_fwd"]


def test_ops_lists_gemms(tmp_path):
    csv = tmp_path / "ops.csv"
    assert main(["workloads", "ops", "lenet5", "--batch", "4", "--csv", str(csv), "--quiet"]) == 0
    df = pd.read_csv(csv)
    gemms = df[df["kind"] == "gemm"]
    assert list(gemms["op"]) == ["conv1.fwd", "conv2.fwd", "fc1.fwd", "fc2.fwd", "fc3.fwd"]
    assert gemms["macs"].sum() == 4 * 416_520


def test_bad_names_fail_cleanly(capsys):
    assert main(["workloads", "show", "nosuchnet"]) == 2
    assert "valid: alexnet" in capsys.readouterr().err
    assert main(["workloads", "show"]) == 2
    assert main(["workloads", "show", "alexnet", "--dataset", "mnist"]) == 2
