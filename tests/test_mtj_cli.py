"""``nvmsim mtj`` verbs: run through main(), check the files and that the numbers are the API's."""

from __future__ import annotations

import pandas as pd
import pytest

from models.mtj import paper_device, wer_fpe
from simulator.cli import main


def test_mtj_lowcost_writes_csv_png(tmp_path, capsys):
    assert main(["mtj", "lowcost", "--target-wer", "8e-4", "--out", str(tmp_path), "--quiet"]) == 0
    df = pd.read_csv(tmp_path / "mtj_lowcost.csv")
    assert list(df["setting"]) == ["baseline", "low_v", "low_dur"]
    assert df["wer"].iloc[1] == pytest.approx(8e-4, rel=1e-3)
    assert (tmp_path / "mtj_lowcost.png").stat().st_size > 0


def test_mtj_wer_fpe_matches_api(tmp_path):
    assert main(["mtj", "wer", "--method", "fpe", "--pulses", "10", "--voltages", "0.6,0.9",
                 "--out", str(tmp_path), "--quiet"]) == 0
    df = pd.read_csv(tmp_path / "mtj_wer.csv")
    dev = paper_device()
    for _, row in df.iterrows():
        assert row["wer"] == pytest.approx(wer_fpe(55, float(dev.current_ratio(row["voltage_V"])), 10 / dev.tau_d_ns))
    assert (tmp_path / "mtj_wer.png").exists()


def test_mtj_switching_mc_small(tmp_path):
    assert main(["mtj", "switching", "--pulses", "10", "--voltages", "0.5,0.7", "--n", "100", "--seed", "1",
                 "--method", "both", "--out", str(tmp_path), "--quiet"]) == 0
    df = pd.read_csv(tmp_path / "mtj_switching.csv")
    assert set(df["method"]) == {"mc", "fpe"} and len(df) == 4
    assert (tmp_path / "mtj_switching.png").exists()


def test_mtj_bad_input_is_one_line_error(capsys):
    assert main(["mtj", "lowcost", "--target-wer", "2"]) == 2
    assert "--target-wer" in capsys.readouterr().err
    assert main(["mtj", "switching", "--pulses", "-1", "--n", "10"]) == 2
    assert "--pulses" in capsys.readouterr().err
