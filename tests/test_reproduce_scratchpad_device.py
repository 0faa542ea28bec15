"""``reproduce scratchpad`` carries the device (MTJ) and algorithm (write-error training) halves of the paper."""

import pandas as pd

from simulator.studies.scratchpad_report import reproduce_scratchpad
from tests.support import NET, power_table


def test_report_has_device_and_training_sections(tmp_path):
    text = reproduce_scratchpad(tmp_path, quick=True, table=power_table(), technologies=("sram", "mram"),
                                networks=[NET], device=True)
    assert (tmp_path / "REPORT.md").read_text() == text
    assert "Device and algorithm level" in text
    # the MTJ section's files and the training section's files land beside the system study's
    for name in ("mtj_switching.csv", "mtj_wer.csv", "train_with_errors.csv", "hetero_energy.csv"):
        assert (tmp_path / name).exists(), name
    tr = pd.read_csv(tmp_path / "train_with_errors.csv")
    assert {"wer", "test_accuracy"} <= set(tr.columns)
