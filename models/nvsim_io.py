"""Read NVSim's own files: ``.cell`` bitcell files and the printed result report.

NVSim users bring their cells as they are (:func:`read_nvsim_cell`, also reached
through :func:`models.cells.load_cell` for any ``*.cell`` path) and can stand an
NVSim run in for nvmsim's built-in array model (:func:`read_nvsim_report`,
:func:`nvsim_table`): the report becomes a row with the same columns as
:func:`models.tables`.

Formats follow NVSim's source (github:SEAL-UCSB/NVSim): cell files are
``-Key (unit): value`` lines matched by key prefix, unknown lines ignored;
reports print values with an SI prefix glued to the unit (``2.345ns``,
``0.123nJ``, ``748.1mW``, ``2.34mm^2``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from models.cells import Cell, cell_from_dict
from models.config import as_choice, as_positive
from models.errors import ConfigError, FileFormatError

_MEM_TYPES = {"sram": "sram", "mram": "mram", "pcram": "pcram", "memristor": "memristor", "fefet": "fefet"}
_ACCESS = {"cmos": "cmos", "bjt": "bjt", "diode": "diode", "none": "none"}

# NVSim's I-V converter for current sensing (HSPICE values in its SenseAmp model): (smallest feature size in nm,
# delay in ns, energy per sense in pJ), a step function of the feature size, each value holding down to the next
# tabulated node; below 31 nm the last step (so 28 nm takes the 22 nm values, not an interpolation).
_IV_CONVERTER_STEPS = ((119, 0.49, 0.0852), (89, 0.53, 0.0872), (64, 0.62, 0.0900), (44, 0.80, 0.1026),
                       (31, 1.07, 0.1256), (-math.inf, 1.45, 0.15))


def _iv_converter(node_nm: float) -> tuple[float, float]:
    return next((delay_ns, energy_pJ) for threshold_nm, delay_ns, energy_pJ in _IV_CONVERTER_STEPS
                if node_nm >= threshold_nm)


def iv_converter_delay_ns(node_nm: float) -> float:
    """NVSim's current-sense I-V converter delay (ns) at ``node_nm``: its step table, not an interpolation."""
    return _iv_converter(node_nm)[0]


def iv_converter_energy_pJ(node_nm: float) -> float:
    """NVSim's current-sense I-V converter energy per read (pJ) at ``node_nm``: its step table."""
    return _iv_converter(node_nm)[1]


def _text_of(source: str | Path) -> tuple[str, str]:
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source and len(source) < 4096):
        p = Path(source)
        if not p.is_file():
            raise FileFormatError(p, "no such file")
        return p.read_text(errors="replace"), str(p)
    return str(source), "<text>"


def parse_cell_keys(text: str) -> dict[str, str]:
    """``-Key (unit): value`` lines → {key-with-unit: value}; other lines are ignored (as NVSim does)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("-") or ":" not in line:
            continue
        key, _, val = line[1:].partition(":")
        out[key.strip()] = val.strip()
    return out


def _num(keys: Mapping[str, str], prefix: str, origin: str, default: float = 0.0) -> float:
    for key, val in keys.items():
        if key.startswith(prefix):
            try:
                return float(val.split()[0])
            except (ValueError, IndexError):
                raise FileFormatError(origin, f"-{key}: not a number: {val!r}") from None
    return default


def _word(keys: Mapping[str, str], prefix: str, default: str = "") -> str:
    for key, val in keys.items():
        if key.startswith(prefix):
            return val.split()[0] if val.split() else default
    return default


def read_nvsim_cell(source: str | Path, name: str | None = None, node_nm: float | None = None) -> Cell:
    """Import an NVSim ``.cell`` file (path or its text) as a :class:`Cell`.

    Parameters
    ----------
    source : path or str
        The file, or its text.
    name : str, optional
        Technology name (default: the file stem).
    node_nm : float, optional
        Node of the cell; default ``-ProcessNode`` from the file, else 22 nm (NVSim's smallest).

    Notes
    -----
    Write energies missing from the file are derived as NVSim does: ``I x V x pulse`` (current mode,
    ``V`` = the write voltage or 0.9 V), or ``V^2 / R_on x pulse`` (voltage mode).  NVSim's cell read
    energy ``2 x ReadPower x t_sense`` is kept, with t_sense its I-V converter delay for current sensing.
    """
    text, origin = _text_of(source)
    keys = parse_cell_keys(text)
    raw_type = _word(keys, "MemCellType")
    if not raw_type:
        raise FileFormatError(origin, "no -MemCellType line: not an NVSim cell file")
    mem_type = _MEM_TYPES.get(raw_type.lower())
    if mem_type is None:
        raise FileFormatError(origin, f"-MemCellType: {raw_type} is not supported (use {', '.join(_MEM_TYPES)})")
    node = node_nm or _num(keys, "ProcessNode", origin) or 22.0
    area = _num(keys, "CellArea", origin)
    if area <= 0:
        raise FileFormatError(origin, "-CellArea (F^2): missing or not positive")
    d: dict[str, Any] = {
        "name": name or (Path(origin).stem if origin != "<text>" else raw_type.lower()),
        "mem_type": mem_type,
        "flavor": "nvsim",
        "node_nm": float(node),
        "area_F2": area,
        "aspect_ratio": _num(keys, "CellAspectRatio", origin, 1.0),
        "access_type": _ACCESS.get(_word(keys, "AccessType", "CMOS").lower(), "none"),
        "access_width_F": _num(keys, "AccessCMOSWidth", origin, 1.31),
        "source": f"NVSim cell file {origin}",
    }
    if mem_type == "sram":
        d["sram_nmos_width_F"] = _num(keys, "SRAMCellNMOSWidth", origin, 2.08)
        d["sram_pmos_width_F"] = _num(keys, "SRAMCellPMOSWidth", origin, 1.23)
        d["min_sense_voltage_mV"] = _num(keys, "MinSenseVoltage", origin, 80.0)
        return cell_from_dict(d, origin)
    r_on = _num(keys, "ResistanceOn", origin)
    r_off = _num(keys, "ResistanceOff", origin)
    d.update(resistance_on_ohm=r_on, resistance_off_ohm=r_off,
             read_voltage_V=_num(keys, "ReadVoltage", origin, 0.25),
             min_sense_voltage_mV=_num(keys, "MinSenseVoltage", origin, 80.0))
    current_mode = _word(keys, "ReadMode", "current").lower() != "voltage"
    t_sense = iv_converter_delay_ns(node) if current_mode else 0.0
    read_power_uW = _num(keys, "ReadPower", origin)
    if read_power_uW > 0 and t_sense > 0:
        d["read_energy_pJ"] = 2.0 * read_power_uW * 1e-6 * t_sense * 1e-9 * 1e12
    d["read_latency_ns"] = t_sense
    for op in ("Set", "Reset"):
        pulse = _num(keys, f"{op}Pulse", origin)
        current = _num(keys, f"{op}Current", origin)
        volt = _num(keys, f"{op}Voltage", origin)
        energy = _num(keys, f"{op}Energy", origin)
        if energy <= 0:
            mode = _word(keys, f"{op}Mode", "current").lower()
            if mode == "voltage" and r_on > 0:
                energy = volt * volt / r_on * pulse * 1e-9 * 1e12
            else:
                energy = current * 1e-6 * (volt or 0.9) * pulse * 1e-9 * 1e12
        low = op.lower()
        d[f"{low}_latency_ns"] = pulse
        d[f"{low}_energy_pJ"] = energy
        d[f"{low}_current_uA"] = current
        if volt:
            d["write_voltage_V"] = max(d.get("write_voltage_V", 0.0), volt)
    if max(d["set_latency_ns"], d["reset_latency_ns"]) <= 0:
        raise FileFormatError(origin, "-SetPulse/-ResetPulse (ns): a resistive cell needs a write pulse")
    return cell_from_dict(d, origin)


# ---------------------------------------------------------------------------------------------- reports
_SCALE = {"": 1.0, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}
_VALUE = r"([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*([fpnumkMG]?)"


def _si(match: re.Match) -> float:
    return float(match.group(1)) * _SCALE[match.group(2)]


def _find(text: str, label: str, unit: str) -> float | None:
    m = re.search(label + r"\s*=\s*" + _VALUE + unit, text)
    return _si(m) if m else None


def _find_area_m2(text: str, label: str) -> float | None:
    m = re.search(label + r"\s*=(?:[^\n]*?=)?\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*([mun]?)m\^2", text)
    if not m:
        return None
    return float(m.group(1)) * {"": 1.0, "m": 1e-6, "u": 1e-12, "n": 1e-18}[m.group(2)]


_PRINTED_TARGETS = {"read latency": "read_latency", "write latency": "write_latency", "read energy": "read_energy",
                    "write energy": "write_energy", "read energy-delay-product": "read_edp",
                    "write energy-delay-product": "write_edp", "leakage power": "leakage", "area": "area"}


#: The cell NVSim echoes (MemCell::PrintCell): printed label -> (Cell field, unit scales to the field's unit).
_ECHOED_CELL = {
    r"Cell Area \(F\^2\)\s*:": ("area_F2", {"": 1.0}),
    r"Cell Aspect Ratio\s*:": ("aspect_ratio", {"": 1.0}),
    r"Cell Turned-On Resistance\s*:": ("resistance_on_ohm", {"ohm": 1.0, "Kohm": 1e3, "Mohm": 1e6}),
    r"Cell Turned-Off Resistance\s*:": ("resistance_off_ohm", {"ohm": 1.0, "Kohm": 1e3, "Mohm": 1e6}),
    r"- Read Voltage:": ("read_voltage_V", {"V": 1.0, "mV": 1e-3}),
    r"- Reset Current:": ("reset_current_uA", {"uA": 1.0, "mA": 1e3, "A": 1e6}),
    r"- Reset Pulse:": ("reset_latency_ns", {"ns": 1.0, "ps": 1e-3, "us": 1e3}),
    r"- Set Current:": ("set_current_uA", {"uA": 1.0, "mA": 1e3, "A": 1e6}),
    r"- Set Pulse:": ("set_latency_ns", {"ns": 1.0, "ps": 1e-3, "us": 1e3}),
    r"SRAM Cell NMOS Width:": ("sram_nmos_width_F", {"F": 1.0}),
    r"SRAM Cell PMOS Width:": ("sram_pmos_width_F", {"F": 1.0}),
}


def report_cell(source: str | Path) -> dict[str, Any]:
    """The cell NVSim echoes at the top of its report: ``mem_type`` and the fields of :data:`_ECHOED_CELL` it
    prints, in :class:`~models.cells.Cell` units."""
    text, _ = _text_of(source)
    out: dict[str, Any] = {}
    m = re.search(r"Memory Cell:\s*(\w+)", text)
    if m:
        out["mem_type"] = _MEM_TYPES.get(m.group(1).lower(), m.group(1).lower())
    for label, (field, units) in _ECHOED_CELL.items():
        m = re.search(label + r"\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)", text)
        if m and m.group(2) in units:
            out[field] = float(m.group(1)) * units[m.group(2)]
    return out


def cell_contradictions(echoed: dict[str, Any], cell: Cell) -> list[str]:
    """Where ``cell`` differs from the cell a report echoes (beyond NVSim's printed precision, 3 decimals)."""
    out = []
    if "mem_type" in echoed and echoed["mem_type"] != cell.mem_type:
        out.append(f"mem_type {echoed['mem_type']} in the report, {cell.mem_type} in {cell.name}")
    for field, value in echoed.items():
        if field == "mem_type" or (field.startswith("sram_") and not cell.is_sram):
            continue
        mine = float(getattr(cell, field))
        if abs(mine - value) > max(0.005 * abs(value), 0.0015 * (1e3 if "ohm" in field else 1.0)):
            out.append(f"{field} {value:g} in the report, {mine:g} in {cell.name}")
    return out


def _report_spec(text: str) -> dict[str, Any]:
    """The design specification NVSim echoes before its result (InputParameter::PrintInputParameter)."""
    spec: dict[str, Any] = {}
    m = re.search(r"Design Target:\s*(Cache|Random Access Memory)", text)
    if m:
        spec["mode"] = "cache" if m.group(1) == "Cache" else "ram"
    m = re.search(r"Capacity\s*:\s*(\d+)\s*(KB|MB|GB)", text)
    if m:
        spec["capacity_KB"] = int(m.group(1)) * {"KB": 1, "MB": 1024, "GB": 1024**2}[m.group(2)]
    m = (re.search(r"Cache Line Size:\s*(\d+)\s*Bytes", text)
         or re.search(r"Data Width\s*:\s*\d+Bits \((\d+)Bytes", text))
    if m:
        spec["line_B"] = int(m.group(1))
    m = re.search(r"Cache Associativity:\s*(\d+)", text)
    if m:
        spec["assoc"] = int(m.group(1))
    m = re.search(r"optimized for ([\w -]+?) \.\.\.", text)
    if m and m.group(1) in _PRINTED_TARGETS:
        spec["target"] = _PRINTED_TARGETS[m.group(1)]
    return spec


#: A bank's printed metrics (a RAM report, and each array of a cache report): key -> (label, unit, scale to table
#: units); a cache summary prints the whole cache's under other labels.
_BANK_FIELDS = {
    "read_latency_ns": (r"-\s+Read Latency", "s", 1e9),
    "write_latency_ns": (r"-\s+Write Latency", "s", 1e9),
    "read_energy_nJ": (r"-\s+Read Dynamic Energy", "J", 1e9),
    "write_energy_nJ": (r"-\s+Write Dynamic Energy", "J", 1e9),
    "leakage_mW": (r"-\s+Leakage Power", "W", 1e3),
}
_CACHE_FIELDS = {
    "read_latency_ns": (r"Cache Hit Latency", "s", 1e9),
    "write_latency_ns": (r"Cache Write Latency", "s", 1e9),
    "read_energy_nJ": (r"Cache Hit Dynamic Energy", "J", 1e9),
    "write_energy_nJ": (r"Cache Write Dynamic Energy", "J", 1e9),
    "leakage_mW": (r"Cache Total Leakage Power", "W", 1e3),
}


def _metrics(text: str, fields: dict, origin: str, missing, missing_area: str) -> dict[str, Any]:
    """The printed ``fields`` and the total area of one report or array section, in table units; a missing one is
    a :class:`FileFormatError` (``missing(key)`` / ``missing_area``, then "not an NVSim report")."""
    out: dict[str, Any] = {}
    for key, (label, unit, scale) in fields.items():
        val = _find(text, label, unit)
        if val is None:
            raise FileFormatError(origin, f"{missing(key)}: not an NVSim report")
        out[key] = val * scale
    area = _find_area_m2(text, r"-\s+Total Area")
    if area is None:
        raise FileFormatError(origin, f"{missing_area}: not an NVSim report")
    out["area_mm2"] = area * 1e6
    return out


def read_nvsim_report(source: str | Path) -> dict[str, Any]:
    """Parse NVSim's printed result (a RAM/bank report or a cache summary) into table units.

    Returns a dict with ``read_latency_ns, write_latency_ns, read_energy_nJ, write_energy_nJ,
    leakage_mW, area_mm2`` (cache: hit latency / hit energy / write / total leakage / total area)
    and, where printed, ``organization``, ``access_type`` and the echoed specification: ``mode`` (``ram`` /
    ``cache``), ``capacity_KB``, ``line_B`` (line or word), ``assoc`` and ``target`` in nvmsim's names.
    """
    text, origin = _text_of(source)
    cache = "Cache Hit Latency" in text
    out: dict[str, Any] = _metrics(text, _CACHE_FIELDS if cache else _BANK_FIELDS, origin,
                                   lambda key: f"no {key.split('_')[0]} {key.split('_')[1]} line found",
                                   "no '- Total Area = ...' line found")
    m = re.search(r"Access Mode\s*:\s*(\w+)", text)
    if m:
        out["access_type"] = m.group(1).lower()
    out.update(_report_spec(text))
    bank = re.search(r"Bank Organization\s*:\s*(\d+)\s*x\s*(\d+)", text)
    mat = re.search(r"Mat Organization\s*:\s*(\d+)\s*x\s*(\d+)", text)
    sub = re.search(r"Subarray Size\s*:\s*(\d+)\s*Rows\s*x\s*(\d+)\s*Columns", text)
    if bank and sub:
        out["organization"] = (f"bank {bank.group(1)}x{bank.group(2)} mats"
                               + (f", mat {mat.group(1)}x{mat.group(2)}" if mat else "")
                               + f", subarray {sub.group(1)}x{sub.group(2)}")
    else:
        out["organization"] = "nvsim"
    return out


_STYLES = {"Latency-Optimized": 0, "Balanced": 1, "Area-Optimized": 2}


def _array_metrics(section: str, origin: str) -> dict[str, Any]:
    """One array's CONFIGURATION and RESULT block of an NVSim report: its organisation in NVSim's words and its
    bank metrics in table units (plus the mat's read latency)."""
    def num(pattern, cast=int):
        m = re.search(pattern, section)
        if not m:
            raise FileFormatError(origin, f"no {pattern!r} in an array section: not an NVSim report")
        return tuple(cast(x) for x in m.groups())

    mat_rows, mat_cols = num(r"Bank Organization\s*:\s*(\d+)\s*x\s*(\d+)")
    acts = re.findall(r"(Row|Column) Activation\s*:\s*(\d+)\s*/\s*(\d+)", section)
    sub_rows, sub_cols = num(r"Mat Organization\s*:\s*(\d+)\s*x\s*(\d+)")
    rows, cols = num(r"Subarray Size\s*:\s*(\d+)\s*Rows\s*x\s*(\d+)\s*Columns")
    wires = re.findall(r"Repeater Type\s*:\s*([^\n]+)\n\s*-\s*Low Swing\s*:\s*(\w+)", section)
    glob_rep, glob_ls = wires[-1] if wires else ("No Repeaters", "No")
    style = re.search(r"Buffer Design Style\s*:\s*([\w-]+)", section)
    org = {"mat_rows": mat_rows, "mat_cols": mat_cols, "act_mat_rows": int(acts[0][1]), "act_mat_cols": int(acts[1][1]),
           "sub_rows": sub_rows, "sub_cols": sub_cols, "act_sub_rows": int(acts[2][1]), "act_sub_cols": int(acts[3][1]),
           "rows": rows, "cols": cols, "mux_sa": num(r"Senseamp Mux\s*:\s*(\d+)")[0],
           "mux_l1": num(r"Output Level-1 Mux\s*:\s*(\d+)")[0], "mux_l2": num(r"Output Level-2 Mux\s*:\s*(\d+)")[0],
           "style": _STYLES.get(style.group(1), 0) if style else 0,
           "wire": "low-swing" if glob_ls.strip() == "Yes" else ("repeated" if "Repeat" in glob_rep and "No" not in
                                                                 glob_rep else "")}
    fields = {**_BANK_FIELDS, "mat_read_latency_ns": (r"\|--- Mat Latency", "s", 1e9)}
    return {"org": org, **_metrics(section, fields, origin, lambda key: f"no {key} in an array section",
                                   "no '- Total Area' in an array section")}


def read_nvsim_arrays(source: str | Path) -> dict[str, dict[str, Any]]:
    """The arrays of an NVSim report, each with its organisation (NVSim's words: mats, activation, subarray, mux
    degrees, buffer style, global wire) and bank metrics in table units, at the report's full print precision:
    ``{"data": {...}}`` for a RAM, ``{"data": {...}, "tag": {...}}`` for a cache (:func:`read_nvsim_report`'s cache
    summary rounds to its nJ / ns units)."""
    text, origin = _text_of(source)
    text = text.replace("\r", "")
    if "CACHE DATA ARRAY" in text:
        data, _, tag = text.partition("CACHE DATA ARRAY")[2].partition("CACHE TAG ARRAY")
        return {"data": _array_metrics(data, origin), "tag": _array_metrics(tag, origin)}
    start = text.find("CONFIGURATION")
    if start < 0:
        raise FileFormatError(origin, "no CONFIGURATION block: not an NVSim report")
    return {"data": _array_metrics(text[start:], origin)}


def nvsim_table(reports: Iterable[tuple[str, float, str | Path]]):
    """A per-technology table from NVSim reports: ``[(technology, capacity_MB, report_path_or_text), ...]``.

    The result has the columns of :func:`models.tables`, so an NVSim run can replace the built-in
    model in any study.
    """

    rows = []
    for tech, cap, src in reports:
        row = {"technology": tech, "capacity_MB": float(cap)}
        row.update(read_nvsim_report(src))
        row["source"] = "nvsim"
        rows.append(row)
    cols = ["technology", "capacity_MB", "read_latency_ns", "write_latency_ns", "read_energy_nJ",
            "write_energy_nJ", "leakage_mW", "area_mm2", "organization"]
    df = pd.DataFrame(rows)
    return df[cols + [c for c in df.columns if c not in cols]]


# ---------------------------------------------------------------------------------------------- inputs
# nvmsim names -> NVSim's words (InputParameter.cpp / MemCell.cpp)
_NVSIM_CELL_TYPE = {"sram": "SRAM", "mram": "MRAM", "pcram": "PCRAM", "memristor": "memristor"}
_NVSIM_TARGET = {"read_latency": "ReadLatency", "write_latency": "WriteLatency", "read_energy": "ReadDynamicEnergy",
                 "write_energy": "WriteDynamicEnergy", "read_edp": "ReadEDP", "write_edp": "WriteEDP",
                 "area": "Area", "leakage": "LeakagePower", "exploration": "Exploration"}
_NVSIM_ACCESS = {"normal": "Normal", "fast": "Fast", "sequential": "Sequential"}
_NVSIM_ROADMAP = {"hp": "HP", "lstp": "LSTP", "lop": "LOP"}


def _power_of_two(value, field: str) -> int:
    """A positive power of two, as NVSim requires of capacities and associativities (it aborts on others)."""
    n = as_positive(value, field, integer=True)
    if n & (n - 1):
        raise ConfigError(field, f"NVSim needs a power of two (it aborts on others), got {n}")
    return n


def _g(x: float) -> str:
    return f"{x:.6g}"


def nvsim_cell_text(cell: Cell) -> str:
    """``cell`` as an NVSim ``.cell`` file, so that NVSim can be run on the very cell nvmsim models.

    Only what NVSim's cell format holds is written: NVSim derives the sense path (its I-V converter, the
    sense amplifier) from its own periphery model, so nvmsim's ``read_latency_ns`` / ``read_energy_pJ`` have
    no line.  :func:`read_nvsim_cell` reads the result back to the same array parameters.
    """
    kind = _NVSIM_CELL_TYPE.get(cell.mem_type)
    if kind is None:
        raise ConfigError("cell.mem_type", f"NVSim has no {cell.mem_type!r} cell (it models "
                          f"{', '.join(_NVSIM_CELL_TYPE)})")
    lines = [f"// {cell.name}: written by nvmsim from {cell.source or 'its cell definition'}",
             f"-MemCellType: {kind}",
             f"-ProcessNode: {round(cell.node_nm)}",
             f"-CellArea (F^2): {_g(cell.area_F2)}",
             f"-CellAspectRatio: {_g(cell.aspect_ratio)}"]
    if cell.is_sram:
        lines += ["-ReadMode: voltage",
                  f"-MinSenseVoltage (mV): {_g(cell.min_sense_voltage_mV)}",
                  "-AccessType: CMOS",
                  f"-AccessCMOSWidth (F): {_g(cell.access_width_F)}",
                  f"-SRAMCellNMOSWidth (F): {_g(cell.sram_nmos_width_F)}",
                  f"-SRAMCellPMOSWidth (F): {_g(cell.sram_pmos_width_F)}"]
        return "\n".join(lines) + "\n"
    lines += [f"-ResistanceOn (ohm): {_g(cell.resistance_on_ohm)}",
              f"-ResistanceOff (ohm): {_g(cell.resistance_off_ohm)}",
              "-ReadMode: current",
              f"-ReadVoltage (V): {_g(cell.read_voltage_V)}",
              f"-MinSenseVoltage (mV): {_g(cell.min_sense_voltage_mV)}"]
    for op in ("Reset", "Set"):
        low = op.lower()
        lines += [f"-{op}Mode: current",
                  f"-{op}Current (uA): {_g(getattr(cell, f'{low}_current_uA'))}",
                  f"-{op}Pulse (ns): {_g(getattr(cell, f'{low}_latency_ns'))}",
                  f"-{op}Energy (pJ): {_g(getattr(cell, f'{low}_energy_pJ'))}"]
        if cell.write_voltage_V:
            lines.append(f"-{op}Voltage (V): {_g(cell.write_voltage_V)}")
    access = {"cmos": "CMOS", "bjt": "BJT", "diode": "diode", "none": "None"}[cell.access_type]
    lines.append(f"-AccessType: {access}")
    if cell.access_type == "cmos":
        lines.append(f"-AccessCMOSWidth (F): {_g(cell.access_width_F)}")
    return "\n".join(lines) + "\n"


def nvsim_config_text(cell_file: str, capacity_KB: int, node_nm: int, *, mode: str = "ram",
                      target: str = "read_latency", access_type: str = "sequential", assoc: int = 16,
                      line_B: int = 128, temperature_K: int = 350, roadmap: str = "hp") -> str:
    """An NVSim ``.cfg`` for the design nvmsim's stock periphery (``buffer_design="latency"``) models.

    Its fixed choices are the ones ``models.circuit.calibration.nvsim_stock`` follows and NVSim's shipped
    sample configurations use: aggressive local and global wires without repeaters or low swing, an H-tree
    with internal sensing, latency-first drivers.  NVSim aborts on capacities that are not a power of two
    (a "DATA capacity violation"), so those are refused here with the reason.
    """
    cap = _power_of_two(capacity_KB, "capacity_KB")
    as_choice(mode, "mode", ("ram", "cache"))
    as_choice(target, "target", _NVSIM_TARGET)
    as_choice(roadmap, "roadmap", _NVSIM_ROADMAP)
    line = as_positive(line_B, "line_B", integer=True)
    node = as_positive(node_nm, "node_nm", integer=True)
    temp = as_positive(temperature_K, "temperature_K", integer=True)
    if not 300 <= temp <= 400:
        raise ConfigError("temperature_K", f"NVSim's tables cover 300-400 K, got {temp}")
    lines = [f"-DesignTarget: {'RAM' if mode == 'ram' else 'cache'}"]
    if mode == "cache":
        as_choice(access_type, "access_type", _NVSIM_ACCESS)
        ways = _power_of_two(assoc, "assoc")
        lines.append(f"-CacheAccessMode: {_NVSIM_ACCESS[access_type]}")
    lines += [f"-OptimizationTarget: {_NVSIM_TARGET[target]}",
              "-EnablePruning: Yes",
              f"-ProcessNode: {node}",
              f"-Capacity (KB): {cap}",
              f"-WordWidth (bit): {line * 8}"]
    if mode == "cache":
        lines.append(f"-Associativity (for cache only): {ways}")
    lines += [f"-DeviceRoadmap: {_NVSIM_ROADMAP[roadmap]}",
              "-LocalWireType: LocalAggressive",
              "-LocalWireRepeaterType: RepeatedNone",
              "-LocalWireUseLowSwing: No",
              "-GlobalWireType: GlobalAggressive",
              "-GlobalWireRepeaterType: RepeatedNone",
              "-GlobalWireUseLowSwing: No",
              "-Routing: H-tree",
              "-InternalSensing: true",
              f"-MemoryCellInputFile: {cell_file}",
              f"-Temperature (K): {temp}",
              "-BufferDesignOptimization: latency"]
    return "\n".join(lines) + "\n"
