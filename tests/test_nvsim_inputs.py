"""NVSim's own files written by nvmsim (``.cell`` and ``.cfg``) and NVSim's real printed reports read back.

Sources: NVSim's input formats as its parser reads them (github:SEAL-UCSB/NVSim, MemCell.cpp ReadCellFromFile and
InputParameter.cpp ReadInputParameterFromFile: ``-Key (unit): value`` lines matched by prefix), and the reports in
``tests/data/nvsim_28nm/`` which NVSim itself printed (see that folder's README).
"""

from pathlib import Path

import pytest

from models.cells import load_cell
from models.errors import ConfigError
from models.nvsim_io import nvsim_cell_text, nvsim_config_text, parse_cell_keys, read_nvsim_cell, read_nvsim_report
from simulator.cli import main

DATA = Path(__file__).parent / "data" / "nvsim_28nm"


@pytest.mark.parametrize("name", ["stt28", "sram28", "stt", "sot", "sram"])
def test_cell_file_round_trip_keeps_every_array_parameter(name):
    cell = load_cell(name)
    back = read_nvsim_cell(nvsim_cell_text(cell), name=cell.name, node_nm=cell.node_nm)
    fields = ["mem_type", "area_F2", "aspect_ratio", "access_width_F", "min_sense_voltage_mV"]
    if cell.is_sram:
        fields += ["sram_nmos_width_F", "sram_pmos_width_F"]
    else:
        fields += ["resistance_on_ohm", "resistance_off_ohm", "read_voltage_V", "set_latency_ns", "reset_latency_ns",
                   "set_energy_pJ", "reset_energy_pJ", "set_current_uA", "reset_current_uA"]
    for f in fields:
        want = getattr(cell, f)
        if isinstance(want, str):  # names compare exactly (pytest.approx takes numbers only)
            assert getattr(back, f) == want, f
        else:
            assert getattr(back, f) == pytest.approx(want, rel=1e-5), f


def test_cell_file_holds_nvsims_keys_and_units():
    keys = parse_cell_keys(nvsim_cell_text(load_cell("stt28")))
    # 0.036 um^2 at 28 nm is 45.92 F^2 (NVSim takes cells in F^2)
    assert float(keys["CellArea (F^2)"]) == pytest.approx(0.036 / 0.028**2, rel=1e-5)
    assert keys["MemCellType"] == "MRAM" and keys["ReadMode"] == "current" and keys["AccessType"] == "CMOS"
    assert keys["SetPulse (ns)"] == "10" and keys["ResetCurrent (uA)"] == "80"
    assert "SRAMCellNMOSWidth (F)" in parse_cell_keys(nvsim_cell_text(load_cell("sram28")))


def test_config_text_is_nvsims_format():
    cfg = parse_cell_keys(nvsim_config_text("stt28.cell", 512, 28, mode="cache", access_type="sequential", line_B=64))
    assert cfg["DesignTarget"] == "cache" and cfg["CacheAccessMode"] == "Sequential"
    assert cfg["Capacity (KB)"] == "512" and cfg["WordWidth (bit)"] == "512"
    assert cfg["Associativity (for cache only)"] == "16" and cfg["OptimizationTarget"] == "ReadLatency"
    assert cfg["GlobalWireRepeaterType"] == "RepeatedNone" and cfg["BufferDesignOptimization"] == "latency"
    ram = parse_cell_keys(nvsim_config_text("sram28.cell", 128, 28, target="leakage"))
    assert ram["DesignTarget"] == "RAM" and "CacheAccessMode" not in ram and ram["OptimizationTarget"] == "LeakagePower"


@pytest.mark.parametrize("kw, field", [
    (dict(capacity_KB=384), "capacity_KB"),  # NVSim aborts: "DATA capacity violation"
    (dict(capacity_KB=0), "capacity_KB"),
    (dict(target="edap"), "target"),
    (dict(mode="cam"), "mode"),
    (dict(temperature_K=250), "temperature_K"),
    (dict(mode="cache", assoc=12), "assoc"),
])
def test_config_refuses_what_nvsim_cannot_run(kw, field):
    args = dict(capacity_KB=512, node_nm=28) | kw
    with pytest.raises(ConfigError, match=field):
        nvsim_config_text("x.cell", args.pop("capacity_KB"), args.pop("node_nm"), **args)


def test_shipped_inputs_are_what_nvmsim_writes():
    # the inputs NVSim ran on are byte for byte what `nvmsim tech nvsim-inputs` writes today
    cfgs = sorted(DATA.glob("*.cfg"))
    assert len(cfgs) >= 8
    for cfg in cfgs:
        cell, cap, mode = cfg.stem.split("_")
        kw = dict(mode=mode, access_type="sequential", line_B=64) if mode == "cache" else {}
        assert cfg.read_text() == nvsim_config_text(f"{cell}.cell", int(cap[:-2]), 28, **kw), cfg.name
    for name in ("sram28", "stt28"):
        assert (DATA / f"{name}.cell").read_text() == nvsim_cell_text(load_cell(name))


def test_real_reports_parse_with_their_specification():
    # NVSim's printed values, as printed (tests/data/nvsim_28nm/stt28_512KB_*.out)
    ram = read_nvsim_report(DATA / "stt28_512KB_ram.out")
    assert (ram["mode"], ram["capacity_KB"], ram["line_B"], ram["target"]) == ("ram", 512, 128, "read_latency")
    assert ram["organization"] == "bank 32x128 mats, mat 1x1, subarray 64x16"
    assert ram["read_latency_ns"] == pytest.approx(1.642) and ram["write_latency_ns"] == pytest.approx(10.124)
    assert ram["area_mm2"] == pytest.approx(0.589947485) and ram["leakage_mW"] == pytest.approx(230.544)
    cache = read_nvsim_report(DATA / "stt28_512KB_cache.out")
    assert (cache["mode"], cache["line_B"], cache["assoc"], cache["access_type"]) == ("cache", 64, 16, "sequential")
    assert cache["read_latency_ns"] == pytest.approx(3.270) and cache["area_mm2"] == pytest.approx(0.744)
    assert cache["leakage_mW"] == pytest.approx(262.170)
    big = read_nvsim_report(DATA / "stt28_131072KB_ram.out")
    assert big["capacity_KB"] == 131072 and big["area_mm2"] == pytest.approx(44.097)


def test_cli_writes_inputs_and_compares_reports(tmp_path, capsys):
    assert main(["tech", "nvsim-inputs", "--cell", "stt28", "--capacity", "512KB", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "stt28_512KB_ram.cfg").read_text() == (DATA / "stt28_512KB_ram.cfg").read_text()
    assert (tmp_path / "stt28.cell").read_text() == (DATA / "stt28.cell").read_text()
    capsys.readouterr()
    out = tmp_path / "cmp"
    assert main(["tech", "nvsim-compare", str(DATA / "stt28_512KB_ram.out"), "--cell", "stt28", "--node", "28",
                 "--out", str(out), "--quiet"]) == 0
    import pandas as pd

    df = pd.read_csv(out / "nvsim_compare.csv")
    assert list(df["source"]) == ["nvsim", "nvmsim", "ratio"]
    assert df.loc[0, "area_mm2"] == pytest.approx(0.589947485)
    assert df.loc[2, "area_mm2"] == pytest.approx(df.loc[1, "area_mm2"] / df.loc[0, "area_mm2"])


def test_cli_errors_name_the_option(capsys):
    assert main(["tech", "nvsim-inputs", "--cell", "stt28", "--capacity", "384KB", "--out", "unused"]) == 2
    assert "capacity_KB" in capsys.readouterr().err
    assert main(["tech", "nvsim-compare", "/nonexistent.out", "--cell", "stt28", "--node", "28"]) == 2


def test_compare_needs_the_echoed_specification():
    # a report cut before NVSim's "DESIGN SPECIFICATION" block cannot say what to build
    from models import compare_nvsim
    from models.errors import FileFormatError

    text = (DATA / "stt28_512KB_ram.out").read_text()
    result_only = text[text.index("CONFIGURATION"):]
    with pytest.raises(FileFormatError, match="design specification"):
        compare_nvsim(result_only, "stt28", 28)
