"""Low-cost STT-MRAM writes: relax the write-error rate, cut the write voltage or the write pulse.

The baseline write (paper §V-A-2) is the voltage that reaches WER = 8.62e-10 with the baseline cell's pulse
(10 ns for ``stt28``). For a relaxed target WER (8e-4 in Fig. 7-8) two cheaper settings are derived with the
Fokker-Planck WER of the device:

- ``low_v``: same pulse, the lower voltage that reaches the target WER;
- ``low_dur``: same voltage, the shorter pulse that reaches the target WER.

Each becomes a :class:`models.cells.Cell` for the circuit model. ``mode="relative"`` (default) scales the
baseline cell's write fields by the physics' ratios (pulse, current, energy), so the cell keeps its circuit
calibration; ``mode="absolute"`` writes the macrospin's own values (V, I, V I t). The STT torque is symmetric
in this model, so the P->AP (RESET) write needs the same current as AP->P (SET); it starts from R_P, so its
voltage and energy are those of the same current through R_P + R_access.
"""

from __future__ import annotations

import dataclasses
import functools

import pandas as pd

from models.cells import load_cell
from models.errors import ConfigError
from models.mtj.constants import PAPER_BASELINE_WER, PAPER_RELAXED_WER
from models.mtj.device import MTJDevice, paper_device
from models.mtj.wer import pulse_for_wer, voltage_for_wer, wer_fpe

SETTINGS = ("baseline", "low_v", "low_dur")
#: How a low-cost cell is derived: its write fields scaled by the physics' ratios, or the physics' values as they are.
CELL_DERIVATIONS = ("relative", "absolute")


def _base_cell(cell):
    if isinstance(cell, str):
        return load_cell(cell)
    return cell


def device_for_cell(cell, **changes) -> MTJDevice:
    """The paper's MTJ (Delta = 55) with the cell's R_P and R_AP (RA and TMR derived from them)."""
    cell = _base_cell(cell)
    dev = paper_device(**changes)
    if cell.resistance_on_ohm > 0 and "ra_ohm_um2" not in changes:
        ra = cell.resistance_on_ohm * dev.area_m2 * 1e12
        tmr = cell.resistance_off_ohm / cell.resistance_on_ohm - 1.0 if cell.resistance_off_ohm else dev.tmr
        dev = dataclasses.replace(dev, ra_ohm_um2=ra, tmr=max(tmr, 0.0))
    return dev


def write_settings(
    target_wer: float = PAPER_RELAXED_WER,
    baseline_wer: float = PAPER_BASELINE_WER,
    pulse_ns: float = 10.0,
    device: MTJDevice | None = None,
) -> pd.DataFrame:
    """Baseline, low-V and low-dur write settings of ``device`` (one row each, Fokker-Planck WERs).

    Columns: setting, wer, pulse_ns, voltage_V, current_uA, current_ratio, energy_pJ (AP->P, V I t),
    reset_voltage_V, reset_energy_pJ (P->AP at the same current), and latency/energy relative to baseline.
    """
    dev = device if device is not None else paper_device()
    for name, w in (("target_wer", target_wer), ("baseline_wer", baseline_wer)):
        if not (0 < w < 1):
            raise ConfigError(name, f"must be in (0, 1), got {w}")
    if target_wer < baseline_wer:
        raise ConfigError("target_wer", f"must not be below baseline_wer ({baseline_wer:g}), got {target_wer:g}")
    if not pulse_ns > 0:
        raise ConfigError("pulse_ns", f"must be positive, got {pulse_ns}")
    df = pd.DataFrame(list(_settings_rows(float(target_wer), float(baseline_wer), float(pulse_ns), dev)))
    df["latency_rel"] = df["pulse_ns"] / df["pulse_ns"].iloc[0]
    df["energy_rel"] = df["energy_pJ"] / df["energy_pJ"].iloc[0]
    df["current_rel"] = df["current_uA"] / df["current_uA"].iloc[0]
    return df


@functools.lru_cache(maxsize=128)
def _settings_rows(target_wer: float, baseline_wer: float, pulse_ns: float, dev: MTJDevice) -> tuple:
    """The three settings as a tuple of row dicts (cached: the device is frozen, the solves are deterministic)."""
    v0 = voltage_for_wer(dev, baseline_wer, pulse_ns)
    v_low = voltage_for_wer(dev, target_wer, pulse_ns)
    t_low = pulse_for_wer(dev, target_wer, v0, t_max_ns=pulse_ns)
    rows = []
    for setting, v, t in (("baseline", v0, pulse_ns), ("low_v", v_low, pulse_ns), ("low_dur", v0, t_low)):
        i_A = float(dev.current_A(v))
        v_reset = i_A * (dev.r_p_ohm + dev.r_access_ohm)
        rows.append({
            "setting": setting,
            "wer": wer_fpe(dev.delta, float(dev.current_ratio(v)), t / dev.tau_d_ns),
            "pulse_ns": t,
            "voltage_V": v,
            "current_uA": i_A * 1e6,
            "current_ratio": float(dev.current_ratio(v)),
            "energy_pJ": float(dev.write_energy_pJ(v, t)),
            "reset_voltage_V": v_reset,
            "reset_energy_pJ": v_reset * i_A * t * 1e3,
        })
    return tuple(rows)


def lowcost_cells(
    target_wer: float = PAPER_RELAXED_WER,
    baseline_wer: float = PAPER_BASELINE_WER,
    base_cell="stt28",
    device: MTJDevice | None = None,
    mode: str = "relative",
) -> dict:
    """Cells for the circuit model: {"baseline", "low_v", "low_dur"} -> :class:`models.cells.Cell`.

    Parameters
    ----------
    target_wer : relaxed WER of the low-cost settings (paper: 8e-4).
    baseline_wer : WER of the baseline write (paper: 8.62e-10).
    base_cell : a Cell or a shipped cell name; its SET pulse is the baseline pulse.
    device : the MTJ (default: paper's, with the cell's resistances).
    mode : "relative" scales the cell's write fields by the physics' ratios; "absolute" uses V, I, V I t.
    """
    if mode not in CELL_DERIVATIONS:
        raise ConfigError("mode", f"must be one of {', '.join(CELL_DERIVATIONS)}, got {mode!r}")
    cell = _base_cell(base_cell)
    dev = device if device is not None else device_for_cell(cell)
    pulse = cell.set_latency_ns or cell.write_latency_ns
    df = write_settings(target_wer, baseline_wer, pulse, dev)
    base = df.iloc[0]
    out = {}
    for _, row in df.iterrows():
        setting = row["setting"]
        wer = baseline_wer if setting == "baseline" else target_wer
        e_rel = row["energy_pJ"] / base["energy_pJ"]
        r_rel = row["reset_energy_pJ"] / base["reset_energy_pJ"]
        i_rel = row["current_uA"] / base["current_uA"]
        t_rel = row["pulse_ns"] / base["pulse_ns"]
        if mode == "relative":
            fields = {
                "set_latency_ns": cell.set_latency_ns * t_rel,
                "reset_latency_ns": cell.reset_latency_ns * t_rel,
                "set_energy_pJ": cell.set_energy_pJ * e_rel,
                "reset_energy_pJ": cell.reset_energy_pJ * r_rel,
                "set_current_uA": cell.set_current_uA * i_rel,
                "reset_current_uA": cell.reset_current_uA * i_rel,
                "write_voltage_V": cell.write_voltage_V * i_rel,
            }
        else:
            fields = {
                "set_latency_ns": row["pulse_ns"],
                "reset_latency_ns": row["pulse_ns"],
                "set_energy_pJ": row["energy_pJ"],
                "reset_energy_pJ": row["reset_energy_pJ"],
                "set_current_uA": row["current_uA"],
                "reset_current_uA": row["current_uA"],
                "write_voltage_V": row["voltage_V"],
            }
        suffix = "" if setting == "baseline" else f"_{setting}"
        out[setting] = dataclasses.replace(
            cell,
            name=f"{cell.name}{suffix}",
            write_error_rate=float(wer),
            source=f"{cell.name} with macrospin/Fokker-Planck write setting {setting} at WER {wer:g} ({mode}: pulse "
            f"x{t_rel:.3f}, current x{i_rel:.3f}, energy x{e_rel:.3f}); nvmsim models.mtj.lowcost",
            **{k: float(v) for k, v in fields.items()},
        )
    return out


def lowcost_cell(target_wer: float, kind: str = "low_v", **kwargs):
    """One low-cost cell for a target WER (a provider for ``models.hetero``: ``partial(lowcost_cell, kind=...)``)."""
    if kind not in SETTINGS[1:]:
        raise ConfigError("kind", f"must be one of low_v, low_dur, got {kind!r}")
    return lowcost_cells(target_wer=target_wer, **kwargs)[kind]
