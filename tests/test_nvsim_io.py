"""NVSim result-report importer: reports written here in NVSim's printed format (github:SEAL-UCSB/NVSim,
Result.cpp / main.cpp: values printed with an SI prefix glued to the unit)."""

import pytest

from models.errors import FileFormatError
from models.nvsim_io import nvsim_table, read_nvsim_report
from simulator.cli import main

RAM_REPORT = """\
=============
CONFIGURATION
=============
Bank Organization: 8 x 4
 - Row Activation   : 1 / 8
 - Column Activation: 4 / 4
Mat Organization: 2 x 2
 - Row Activation   : 1 / 2
 - Column Activation: 2 / 2
 - Subarray Size    : 512 Rows x 256 Columns
=============
   RESULT
=============
Area:
 - Total Area = 1.234mm x 987.600um = 1.219mm^2
 |--- Mat Area      = 154.300um x 246.900um = 38096.670um^2   (71.2%)
 - Area Efficiency = 68.44%
Timing:
 -  Read Latency = 2.614ns
 |--- H-Tree Latency = 1.125ns
 - Write Latency = 10.97ns
Power:
 -  Read Dynamic Energy = 36.83pJ
 |--- H-Tree Dynamic Energy = 20.1pJ
 - Write Dynamic Energy = 68.27pJ
 - Leakage Power = 54.800mW
"""

CACHE_REPORT = """\
=======================
CACHE DESIGN -- SUMMARY
=======================
Access Mode: Normal
Area:
 - Total Area = 5.530mm^2
 |--- Data Array Area = 2.345mm x 2.250mm = 5.276mm^2
 |--- Tag Array Area  = 503.1um x 504.8um = 253963.0um^2
Timing:
 - Cache Hit Latency   = 2.91ns
 - Cache Miss Latency  = 1.02ns
 - Cache Write Latency = 1530ps
Power:
 - Cache Hit Dynamic Energy   = 350pJ per access
 - Cache Miss Dynamic Energy  = 0.1nJ per access
 - Cache Write Dynamic Energy = 0.32nJ per access
 - Cache Total Leakage Power  = 6.442W
 |--- Cache Data Array Leakage Power = 6.1W
 |--- Cache Tag Array Leakage Power  = 342mW
"""


def test_ram_report():
    # NVMExplorer's 22 nm 2 MB SRAM ReadLatency row (physics_and_energy reference) in NVSim's RAM layout
    r = read_nvsim_report(RAM_REPORT)
    assert r["read_latency_ns"] == pytest.approx(2.614)
    assert r["write_latency_ns"] == pytest.approx(10.97)
    assert r["read_energy_nJ"] == pytest.approx(0.03683)
    assert r["write_energy_nJ"] == pytest.approx(0.06827)
    assert r["leakage_mW"] == pytest.approx(54.8)
    assert r["area_mm2"] == pytest.approx(1.219)
    assert r["organization"] == "bank 8x4 mats, mat 2x2, subarray 512x256"


def test_cache_summary_units():
    # DeepNVM++ Table II SRAM numbers written as an NVSim cache summary, with mixed SI prefixes
    r = read_nvsim_report(CACHE_REPORT)
    assert (r["read_latency_ns"], r["write_latency_ns"]) == (pytest.approx(2.91), pytest.approx(1.53))
    assert (r["read_energy_nJ"], r["write_energy_nJ"]) == (pytest.approx(0.35), pytest.approx(0.32))
    assert r["leakage_mW"] == pytest.approx(6442) and r["area_mm2"] == pytest.approx(5.53)
    assert r["access_type"] == "normal"


def test_nvsim_table_matches_tech_table_columns(tmp_path):
    from models.tables import COLUMNS

    f = tmp_path / "sram_3MB.txt"
    f.write_text(CACHE_REPORT)
    df = nvsim_table([("sram", 3, f), ("stt", 2, RAM_REPORT)])
    assert list(df.columns[: len(COLUMNS)]) == COLUMNS
    assert df.read_latency_ns.tolist() == pytest.approx([2.91, 2.614])


def test_bad_reports():
    with pytest.raises(FileFormatError, match="not an NVSim report"):
        read_nvsim_report("hello\nworld\n")
    with pytest.raises(FileFormatError, match="Total Area"):
        read_nvsim_report(CACHE_REPORT.replace("Total Area", "Overall"))
    with pytest.raises(FileFormatError, match="no such file"):
        read_nvsim_report("/nonexistent/report.txt")


def test_cli_tech_verbs(tmp_path, capsys):
    assert main(["tech", "cells"]) == 0
    assert "stt28" in capsys.readouterr().out
    out = tmp_path / "t.csv"
    assert main(["tech", "table", "--cells", "sram,sot", "--capacities", "1", "--csv", str(out), "--quiet"]) == 0
    assert out.read_text().count("\n") == 3
    assert main(["tech", "iso-area", "--reference", "sram28:512KB", "--cells", "stt28", "--node", "28",
                 "--mode", "ram"]) == 0
    assert "stt28" in capsys.readouterr().out
    assert main(["tech", "iso-area", "--area", "0.5", "--cells", "sram28", "--node", "28", "--mode", "ram"]) == 0
    assert main(["tech", "iso-area", "--reference", "sram-3MB"]) == 2
    assert main(["tech", "table", "--cells", "nosuch"]) == 2


def test_cli_tech_buffer_design(tmp_path):
    """--buffer-design reaches the model: NVSim's latency-first drivers leak more than the balanced ones at 28 nm
    (the scratchpad paper's stock-NVSim runs; see tests/test_circuit_scratchpad.py)."""
    import pandas as pd

    leak = {}
    for design in ("balanced", "latency"):
        out = tmp_path / f"{design}.csv"
        assert main(["tech", "table", "--cells", "stt28", "--capacities", "0.5", "--node", "28", "--mode", "ram",
                     "--target", "read_latency", "--buffer-design", design, "--csv", str(out), "--quiet"]) == 0
        leak[design] = float(pd.read_csv(out)["leakage_mW"].iloc[0])
    assert leak["latency"] > 1.5 * leak["balanced"]
    assert main(["tech", "table", "--buffer-design", "fastest"]) == 2


def test_iv_converter_delay_is_nvsims_step_table():
    # NVSim SenseAmp::CalculateLatency: HSPICE I-V converter delays by feature size, each holding down to the next
    # threshold (>= 119, 89, 64, 44, 31 nm), 1.45 ns below 31 nm; so 28 nm takes 1.45 ns, not an interpolation
    from models.nvsim_io import iv_converter_delay_ns

    expect = {120: 0.49, 90: 0.53, 65: 0.62, 45: 0.80, 44: 0.80, 40: 1.07, 32: 1.07, 31: 1.07, 28: 1.45, 22: 1.45,
              16: 1.45}
    assert {n: iv_converter_delay_ns(n) for n in expect} == expect


def test_iv_converter_energy_is_nvsims_step_table():
    # NVSim SenseAmp::CalculatePower: HSPICE I-V converter energies on the same feature-size steps (8.52e-14 J at
    # >= 119 nm ... 12.56e-14 J at >= 31 nm, 15e-14 J below)
    from models.nvsim_io import iv_converter_energy_pJ

    expect = {120: 0.0852, 90: 0.0872, 65: 0.0900, 45: 0.1026, 32: 0.1256, 31: 0.1256, 28: 0.15, 22: 0.15}
    assert {n: iv_converter_energy_pJ(n) for n in expect} == expect

