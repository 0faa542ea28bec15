"""Memory bitcells: the device-level input of the circuit model.

A :class:`Cell` is plain, frozen data in physical units (unit suffix on every
field).  Cells ship as TOML files in ``models/cells/``; users bring their own as
an nvmsim TOML file, an NVSim ``.cell`` file or a dict, all through
:func:`load_cell`.  A modified cell is ``dataclasses.replace(load_cell("stt28"),
set_latency_ns=5.0, ...)``.

Fields (stable; new ones are only ever added with a default):

========================  ==================================================================
``name``                  technology name used in tables ("sram", "stt", ...)
``mem_type``              circuit branch: "sram" or a resistive kind ("mram", "rram", "pcram",
                          "fefet"); every non-SRAM type is modelled as a resistive 1T-1R cell
``flavor``                free label ("stt", "sot", "6t"...), informative
``node_nm``               node the cell was characterised at (F)
``area_F2``               cell area in F^2 at ``node_nm``
``aspect_ratio``          cell height (bitline direction) / width (wordline direction)
``read_latency_ns``       characterised sense latency, wordline on to sense margin; recorded, not added by
                          the array model, which derives its own bitline (Calibration.cell_sense_time_as_sa)
``read_energy_pJ``        sense energy per sensed bit (0 = derive from the bitline)
``set_latency_ns``        write pulse to the low-resistance state (AP->P for MRAM)
``reset_latency_ns``      write pulse to the high-resistance state
``set_energy_pJ``         cell energy of one SET write, per bit
``reset_energy_pJ``       cell energy of one RESET write, per bit
``set_current_uA``        SET write current (sizes the write drivers)
``reset_current_uA``      RESET write current
``write_voltage_V``       write voltage on the cell (0 = the node's Vdd)
``read_voltage_V``        read bias on the cell (resistive cells)
``min_sense_voltage_mV``  sense-amplifier input margin
``resistance_on_ohm``     low-resistance state (R_P)
``resistance_off_ohm``    high-resistance state (R_AP)
``access_type``           "cmos", "diode", "bjt" or "none"
``access_width_F``        planar access NMOS width in F (ignored when fins are given)
``read_fins``             FinFET fins of the read access device (0 = planar)
``write_fins``            FinFET fins of the write access device (0 = planar)
``separate_read_path``    True for 2T cells with a dedicated read port (SOT-MRAM)
``sram_nmos_width_F``     SRAM pull-down width (F) or fins on a FinFET node
``sram_pmos_width_F``     SRAM pull-up width (F) or fins on a FinFET node
``write_error_rate``      per-bit write error rate the write parameters were chosen for
``source``                where the numbers come from
========================  ==================================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.config import as_choice, as_positive, load_toml, reject_unknown, require
from models.errors import ConfigError

CELL_DIR = Path(__file__).with_name("cells")
MEM_TYPES = ("sram", "mram", "rram", "pcram", "fefet", "memristor")
ACCESS_TYPES = ("cmos", "diode", "bjt", "none")


@dataclass(frozen=True)
class Cell:
    """One memory bitcell (see the module docstring for every field's meaning and unit)."""

    name: str
    mem_type: str
    node_nm: float
    area_F2: float
    aspect_ratio: float = 1.0
    flavor: str = ""
    read_latency_ns: float = 0.0
    read_energy_pJ: float = 0.0
    set_latency_ns: float = 0.0
    reset_latency_ns: float = 0.0
    set_energy_pJ: float = 0.0
    reset_energy_pJ: float = 0.0
    set_current_uA: float = 0.0
    reset_current_uA: float = 0.0
    write_voltage_V: float = 0.0
    read_voltage_V: float = 0.25
    min_sense_voltage_mV: float = 80.0
    resistance_on_ohm: float = 0.0
    resistance_off_ohm: float = 0.0
    access_type: str = "cmos"
    access_width_F: float = 1.31
    read_fins: int = 0
    write_fins: int = 0
    separate_read_path: bool = False
    sram_nmos_width_F: float = 2.08
    sram_pmos_width_F: float = 1.23
    write_error_rate: float = 0.0
    source: str = ""

    def __post_init__(self):
        validate(self)

    @property
    def is_sram(self) -> bool:
        return self.mem_type == "sram"

    @property
    def area_um2(self) -> float:
        """Cell area in um^2 at its own node."""
        return self.area_F2 * (self.node_nm * 1e-3) ** 2

    @property
    def write_latency_ns(self) -> float:
        """Cell write pulse: the longer of SET and RESET (either may be needed)."""
        return max(self.set_latency_ns, self.reset_latency_ns)

    @property
    def write_energy_pJ(self) -> float:
        """Cell write energy per bit, the larger of SET and RESET (NVSim's convention)."""
        return max(self.set_energy_pJ, self.reset_energy_pJ)

    @property
    def write_energy_mean_pJ(self) -> float:
        """Mean of SET and RESET energy: the expectation for random data."""
        return 0.5 * (self.set_energy_pJ + self.reset_energy_pJ)

    def at_node(self, node_nm: float) -> Cell:
        """The same cell drawn at another node: its area in F^2 is kept (NVSim's rule: cells are given in F^2)."""
        return dataclasses.replace(self, node_nm=float(node_nm))


_FIELDS = {f.name: f for f in dataclasses.fields(Cell)}
#: What the circuit model reads of a resistive cell and no default can stand for: a cell file or dict must give
#: each (a missing one would silently be 0: a 0 ns write, write drivers sized for no current).
RESISTIVE_REQUIRED = ("set_latency_ns", "reset_latency_ns", "set_energy_pJ", "reset_energy_pJ", "set_current_uA",
                      "reset_current_uA", "resistance_on_ohm", "resistance_off_ohm")
_EXTRA_KEYS = ("area_rel", "area_reference", "area_um2")


def validate(cell: Cell) -> None:
    """Check a cell's fields; raises :class:`ConfigError` naming the field."""
    p = f"cell {cell.name!r}"
    as_choice(cell.mem_type, f"{p}.mem_type", MEM_TYPES)
    as_choice(cell.access_type, f"{p}.access_type", ACCESS_TYPES)
    as_positive(cell.node_nm, f"{p}.node_nm")
    as_positive(cell.area_F2, f"{p}.area_F2")
    as_positive(cell.aspect_ratio, f"{p}.aspect_ratio")
    for name in ("read_latency_ns", "read_energy_pJ", "set_latency_ns", "reset_latency_ns", "set_energy_pJ",
                 "reset_energy_pJ", "set_current_uA", "reset_current_uA", "write_voltage_V", "read_voltage_V",
                 "resistance_on_ohm", "resistance_off_ohm", "access_width_F", "read_fins", "write_fins",
                 "sram_nmos_width_F", "sram_pmos_width_F", "write_error_rate"):
        as_positive(getattr(cell, name), f"{p}.{name}", allow_zero=True)
    as_positive(cell.min_sense_voltage_mV, f"{p}.min_sense_voltage_mV")
    if cell.mem_type != "sram":
        if cell.write_latency_ns <= 0:
            raise ConfigError(f"{p}.set_latency_ns", "a resistive cell needs a write pulse (set/reset latency > 0)")
        if cell.resistance_off_ohm and cell.resistance_off_ohm < cell.resistance_on_ohm:
            raise ConfigError(f"{p}.resistance_off_ohm", "must not be below resistance_on_ohm")
    if cell.write_error_rate > 1:
        raise ConfigError(f"{p}.write_error_rate", f"must be a probability, got {cell.write_error_rate}")


def shipped_cells() -> list[str]:
    """Names of the cells shipped with nvmsim."""
    return sorted(p.stem for p in CELL_DIR.glob("*.toml"))


def cell_from_dict(data: Mapping[str, Any], origin: str = "cell") -> Cell:
    """Build a :class:`Cell` from a plain dict (the ``[cell]`` table of a TOML file).

    ``area_F2`` may instead be given as ``area_um2`` (converted at ``node_nm``) or as
    ``area_rel`` times the area of the cell named by ``area_reference`` (DeepNVM++
    Table I gives MRAM areas relative to the foundry SRAM cell).
    """
    reject_unknown(data, list(_FIELDS) + list(_EXTRA_KEYS), origin)
    kw = {k: v for k, v in data.items() if k in _FIELDS}
    require(data, "name", origin)
    require(data, "mem_type", origin)
    node = as_positive(require(data, "node_nm", origin), f"{origin}.node_nm")
    if "area_F2" not in kw:
        if "area_um2" in data:
            kw["area_F2"] = as_positive(data["area_um2"], f"{origin}.area_um2") / (node * 1e-3) ** 2
        elif "area_rel" in data:
            ref_name = require(data, "area_reference", origin)
            ref = load_cell(ref_name)
            rel = as_positive(data["area_rel"], f"{origin}.area_rel")
            kw["area_F2"] = rel * ref.area_um2 / (node * 1e-3) ** 2
        else:
            raise ConfigError(f"{origin}.area_F2", "required (or area_um2, or area_rel with area_reference)")
    for key in ("name", "mem_type", "flavor", "access_type", "source"):
        if key in kw and not isinstance(kw[key], str):
            raise ConfigError(f"{origin}.{key}", f"must be a string, got {kw[key]!r}")
    kw["mem_type"] = as_choice(kw["mem_type"].lower(), f"{origin}.mem_type", MEM_TYPES)
    if kw["mem_type"] != "sram":
        missing = [k for k in RESISTIVE_REQUIRED if k not in data]
        if missing:
            raise ConfigError(f"{origin}.{missing[0]}", f"required for a {kw['mem_type']} cell but missing"
                                                        + (f" (also missing: {', '.join(missing[1:])})"
                                                           if len(missing) > 1 else ""))
    kw["access_type"] = kw.get("access_type", "cmos").lower()
    for key in ("read_fins", "write_fins"):
        if key in kw:
            kw[key] = as_positive(kw[key], f"{origin}.{key}", integer=True, allow_zero=True)
    for key, val in list(kw.items()):
        ftype = _FIELDS[key].type
        if ftype == "float":
            if isinstance(val, bool) or not isinstance(val, (int, float)):
                raise ConfigError(f"{origin}.{key}", f"must be a number, got {val!r}")
            kw[key] = float(val)
        elif ftype == "bool" and not isinstance(val, bool):
            raise ConfigError(f"{origin}.{key}", f"must be true or false, got {val!r}")
    return Cell(**kw)


def load_cell(spec: str | Path | Mapping[str, Any] | Cell) -> Cell:
    """Return a :class:`Cell` from a shipped name, a file path (nvmsim TOML or NVSim ``.cell``), a dict or a Cell.

    Parameters
    ----------
    spec : str, Path, dict or Cell
        ``"sram"``, ``"stt"``, ``"sot"`` (DeepNVM++ Table I, 16 nm), ``"sram28"``, ``"stt28"``
        (scratchpad study, 28 nm) or any name in :func:`shipped_cells`; or a path to a ``.toml`` file
        with a ``[cell]`` table or to an NVSim ``.cell`` file; or a dict of fields.
    """
    if isinstance(spec, Cell):
        return spec
    if isinstance(spec, Mapping):
        return cell_from_dict(spec)
    if not isinstance(spec, (str, Path)):
        raise ConfigError("cell", f"must be a cell name, a file path, a dict or a Cell, got {type(spec).__name__}")
    text = str(spec)
    shipped = CELL_DIR / f"{text}.toml"
    if "/" not in text and "\\" not in text and shipped.is_file():
        return _load_toml_cell(shipped)
    path = Path(text)
    if path.is_file():
        if path.suffix.lower() == ".cell":
            from models.nvsim_io import read_nvsim_cell  # here: nvsim_io builds Cells, so imports this module

            return read_nvsim_cell(path)
        return _load_toml_cell(path)
    raise ConfigError("cell", f"unknown cell {text!r} (shipped: {', '.join(shipped_cells())}; or give a file path)")


def _load_toml_cell(path: Path) -> Cell:
    data = load_toml(path)
    reject_unknown(data, ["cell"], str(path))
    table = require(data, "cell", str(path))
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}.cell", "must be a table")
    return cell_from_dict(table, origin=f"{path.name}:cell")
