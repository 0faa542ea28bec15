"""Bitcells: shipped cells carry their sources' numbers; files and dicts are validated with clear errors."""

import dataclasses

import pytest

from models.cells import Cell, load_cell, shipped_cells
from models.errors import ConfigError, FileFormatError
from models.nvsim_io import read_nvsim_cell


def test_shipped_cells_listed():
    assert {"sram", "stt", "sot", "sram28", "stt28"} <= set(shipped_cells())


def test_deepnvm_table1_stt_and_sot():
    # Source: DeepNVM++ (arXiv:2012.04559) Table I.
    stt, sot, sram = load_cell("stt"), load_cell("sot"), load_cell("sram")
    assert stt.read_latency_ns == pytest.approx(0.650) and stt.read_energy_pJ == pytest.approx(0.076)
    assert (stt.set_latency_ns, stt.reset_latency_ns) == (8.4, 7.78)
    assert (stt.set_energy_pJ, stt.reset_energy_pJ) == (1.1, 2.2)
    assert stt.read_fins == stt.write_fins == 4
    assert sot.read_energy_pJ == pytest.approx(0.020) and sot.write_latency_ns == pytest.approx(0.313)
    assert (sot.write_fins, sot.read_fins) == (3, 1) and sot.separate_read_path
    assert stt.area_um2 / sram.area_um2 == pytest.approx(0.34)
    assert sot.area_um2 / sram.area_um2 == pytest.approx(0.29)
    assert stt.write_latency_ns == 8.4 and stt.write_energy_pJ == 2.2
    assert stt.write_energy_mean_pJ == pytest.approx(1.65)


def test_replace_keeps_a_valid_cell():
    low = dataclasses.replace(load_cell("stt28"), set_latency_ns=5.0, reset_latency_ns=5.0, write_error_rate=8e-4)
    assert isinstance(low, Cell) and low.write_latency_ns == 5.0
    with pytest.raises(ConfigError, match="write_error_rate"):
        dataclasses.replace(low, write_error_rate=2.0)


def test_dict_and_toml_file(tmp_path):
    write = {"set_latency_ns": 10, "reset_latency_ns": 10, "set_energy_pJ": 0.6, "reset_energy_pJ": 0.6,
             "set_current_uA": 50, "reset_current_uA": 50}
    c = load_cell({"name": "rram", "mem_type": "rram", "node_nm": 22, "area_F2": 4, **write,
                   "resistance_on_ohm": 1e5, "resistance_off_ohm": 1e7})
    assert c.area_F2 == 4.0 and c.write_latency_ns == 10
    f = tmp_path / "mine.toml"
    f.write_text('[cell]\nname = "mine"\nmem_type = "mram"\nnode_nm = 28\narea_um2 = 0.05\nset_latency_ns = 3\n'
                 'reset_latency_ns = 3\nset_energy_pJ = 1\nreset_energy_pJ = 1\nset_current_uA = 80\n'
                 'reset_current_uA = 80\nresistance_on_ohm = 3000\nresistance_off_ohm = 6000\n')
    assert load_cell(str(f)).area_um2 == pytest.approx(0.05)


def test_bad_cells_name_the_field(tmp_path):
    with pytest.raises(ConfigError, match="area_F2"):
        load_cell({"name": "x", "mem_type": "mram", "node_nm": 22, "set_latency_ns": 1})
    with pytest.raises(ConfigError, match="mem_type"):
        load_cell({"name": "x", "mem_type": "dram", "node_nm": 22, "area_F2": 6})
    with pytest.raises(ConfigError, match="colour"):
        load_cell({"name": "x", "mem_type": "sram", "node_nm": 22, "area_F2": 146, "colour": 1})
    with pytest.raises(ConfigError, match="unknown cell"):
        load_cell("no-such-cell")
    bad = tmp_path / "bad.toml"
    bad.write_text("[cell\n")
    with pytest.raises(FileFormatError, match="TOML"):
        load_cell(str(bad))


# NVSim's shipped sample_STTRAM.cell, written out here (values from github:SEAL-UCSB/NVSim).
NVSIM_STT = """\
-MemCellType: MRAM
-CellArea (F^2): 54
-CellAspectRatio: 0.54
-ResistanceOn (ohm): 3000
-ResistanceOff (ohm): 6000
-ReadMode: current
-ReadVoltage (V): 0.25
-ReadPower (uW): 30
-MinSenseVoltage (mV): 25
-ResetMode: current
-ResetCurrent (uA): 80
-ResetPulse (ns): 10
-ResetEnergy (pJ): 1
-SetMode: current
-SetCurrent (uA): 80
-SetPulse (ns): 10
-SetEnergy (pJ): 1
-AccessType: CMOS
-AccessCMOSWidth (F): 8
-VoltageDropAccessDevice (V): 0.15
// a comment line NVSim ignores
"""


def test_nvsim_cell_importer(tmp_path):
    f = tmp_path / "sample_STTRAM.cell"
    f.write_text(NVSIM_STT)
    c = load_cell(str(f))
    assert c.name == "sample_STTRAM" and c.mem_type == "mram"
    assert c.area_F2 == 54 and c.aspect_ratio == 0.54 and c.access_width_F == 8
    assert c.write_latency_ns == 10 and c.write_energy_pJ == 1 and c.set_current_uA == 80
    assert (c.resistance_on_ohm, c.resistance_off_ohm, c.min_sense_voltage_mV) == (3000, 6000, 25)
    # NVSim cell read energy 2 x ReadPower x t_sense, t_sense = its 22 nm I-V converter delay (1.45 ns)
    assert c.read_energy_pJ == pytest.approx(2 * 30e-6 * 1.45e-9 * 1e12)


def test_nvsim_cell_derived_energy_and_errors():
    text = NVSIM_STT.replace("-ResetEnergy (pJ): 1\n", "").replace("-SetEnergy (pJ): 1\n", "")
    c = read_nvsim_cell(text, name="x")
    # NVSim: current mode with no voltage given -> I x 0.9 V x pulse = 80 uA x 0.9 V x 10 ns = 0.72 pJ
    assert c.write_energy_pJ == pytest.approx(0.72)
    with pytest.raises(FileFormatError, match="MemCellType"):
        read_nvsim_cell("-CellArea (F^2): 5\n-Foo: 1\n")
    with pytest.raises(FileFormatError, match="CellArea"):
        read_nvsim_cell("-MemCellType: SRAM\n-Foo: 1\n")
