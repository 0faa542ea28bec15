"""Write energy of heterogeneous scratchpads: robust bits on baseline STT-MRAM, mantissa on a cheap array.

Seed paper ``stt_mram_scratchpad_training`` §V-D, Fig. 15: each fp32 word is
split; its sign and exponent (9 bits) go to a baseline STT-MRAM array written
at WER ≈ 1e-9, its 23 mantissa bits to an array written with a reduced write
voltage at a relaxed WER. The write energy of the pair is compared with the
baseline STT-MRAM and with SRAM and normalised to the heterogeneous array at
the highest WER considered (the paper normalises to WER 0.8e-3).

The energy providers are injectable: a *cell* is anything a ``bit_energy``
function turns into joules per written bit (a :class:`models.cells.Cell`, or
simply a number in pJ/bit), and low-cost cells come from a function of the
target WER. :func:`analytic_lowcost_cell` is the documented analytic provider:
at a fixed pulse (the paper fixes 10 ns and varies the voltage), Sun's
precessional-switching WER gives the current ratio i = I/I_c0 needed for a
WER, and the write energy I²R·t scales as i².
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from models.errors import ConfigError
from models.tables import tech_table

WORD_BITS = 32
PROTECTED_BITS = 9  # sign + exponent of IEEE-754 binary32

# Device constants of the paper's MTJ (Table I; Δ = 55 chosen in §V-A-1). τ_D = (1+α²)/(α γ0 H_k,eff) = 2.82 ns
# for the 35x35x1 nm CoFeB free layer with prism demagnetising factors (computed from Table I, as in the
# project's physics notes); the paper's write pulse for the WER sweep of Fig. 15 is 10 ns (§V-D).
PAPER_DELTA = 55.0
PAPER_TAU_D_NS = 2.82
PAPER_PULSE_NS = 10.0
PAPER_BASELINE_WER = 8.62e-10  # §V-A-2


def sun_current_ratio(
    wer: float, pulse_ns: float = PAPER_PULSE_NS, tau_d_ns: float = PAPER_TAU_D_NS, delta: float = PAPER_DELTA
) -> float:
    """Overdrive i = I/I_c0 at which a pulse of ``pulse_ns`` reaches ``wer``, by Sun's precessional model.

    WER(t) = 1 − exp[−(π²Δ/4)·exp(−2(i−1)t/τ_D)] (J. Z. Sun, PRB 62, 570 (2000); linearised precessional
    regime with a Boltzmann initial angle), solved for i. It is a conservative (upper-bound) WER with the
    exact long-pulse slope 2(i−1)/τ_D, so ratios of energies between two WERs are what it is used for.
    """
    if not 0.0 < wer < 1.0:
        raise ConfigError("wer", f"must be in (0, 1), got {wer}")
    if pulse_ns <= 0 or tau_d_ns <= 0 or delta <= 0:
        raise ConfigError("pulse_ns", "pulse_ns, tau_d_ns and delta must be positive")
    x = -math.log1p(-wer)
    i = 1.0 + tau_d_ns / (2.0 * pulse_ns) * math.log(math.pi**2 * delta / 4.0 / x)
    if i <= 1.0:
        raise ConfigError("wer", f"{wer} is above what a precessional write reaches (needs I > I_c0)")
    return i


def analytic_lowcost_cell(
    wer: float, baseline, pulse_ns: float = PAPER_PULSE_NS, tau_d_ns: float = PAPER_TAU_D_NS, delta: float = PAPER_DELTA
):
    """A reduced-voltage version of ``baseline`` written at ``wer`` (same pulse, lower current).

    Energy per bit scales as (i/i₀)² and the write current as i/i₀, where i and i₀ are the overdrives of
    :func:`sun_current_ratio` at ``wer`` and at the baseline's own WER (its ``write_error_rate``, or the
    paper's 8.62e-10 when the cell gives none). ``baseline`` may be a Cell or a number in pJ/bit.
    """
    base_wer = getattr(baseline, "write_error_rate", 0.0) or PAPER_BASELINE_WER
    r = sun_current_ratio(wer, pulse_ns, tau_d_ns, delta) / sun_current_ratio(base_wer, pulse_ns, tau_d_ns, delta)
    if isinstance(baseline, (int, float)):
        return float(baseline) * r * r
    return dataclasses.replace(
        baseline,
        name=f"{baseline.name}_lowV_{wer:g}",
        set_energy_pJ=baseline.set_energy_pJ * r * r,
        reset_energy_pJ=baseline.reset_energy_pJ * r * r,
        set_current_uA=baseline.set_current_uA * r,
        reset_current_uA=baseline.reset_current_uA * r,
        write_voltage_V=baseline.write_voltage_V * r,
        write_error_rate=float(wer),
        source=f"{baseline.name} scaled to WER {wer:g} at a fixed {pulse_ns:g} ns pulse (Sun precessional model, "
        f"energy x{r * r:.3f})",
    )


def cell_bit_energy_pJ(cell) -> float:
    """Write energy per bit of a cell in pJ: a number is taken as is; a Cell gives its mean SET/RESET energy.

    An SRAM cell has no cell-level write energy (its writes cost bitline swing, an array-level quantity);
    give an array-level provider for it instead.
    """
    if isinstance(cell, (int, float, np.floating)):
        e = float(cell)
    else:
        e = float(getattr(cell, "write_energy_mean_pJ", 0.0))
        if e <= 0:
            name = getattr(cell, "name", cell)
            raise ConfigError(
                f"cell {name!r}.write_energy_pJ",
                "is 0 at the cell level; use an array-level bit-energy provider (e.g. array_bit_energy) for this cell",
            )
    if not e > 0:
        raise ConfigError("bit_energy_pJ", f"must be positive, got {e}")
    return e


def array_bit_energy(capacity_MB: float, node_nm: float = 28, word_B: int = 64) -> Callable[[object], float]:
    """Provider: cell → array-level write energy per bit (pJ) of a ``capacity_MB`` scratchpad built from it.

    The circuit model's RAM-mode design (``models.tables``, EDAP-optimal) gives the energy of one
    ``word_B``-byte write including decoders, wordline, bitlines, drivers and routing; divided by the bits of
    the word it is the energy one stored bit costs. Peripherals do not shrink with the WER, so at large
    capacities the heterogeneous gain is smaller than the cell-level one (as the paper's Fig. 15 shows).
    """
    if not capacity_MB > 0:
        raise ConfigError("capacity_MB", f"must be positive, got {capacity_MB}")

    def bit_energy(cell) -> float:
        if isinstance(cell, (int, float, np.floating)):
            return float(cell)

        row = tech_table([cell], [capacity_MB], node_nm=node_nm, mode="ram", line_B=word_B).iloc[0]
        return float(row.write_energy_nJ) * 1e3 / (8 * word_B)

    return bit_energy


def write_error_rates(values: Sequence[float]) -> list[float]:
    """WERs of low-cost arrays, each in (0, 1); at least one."""
    wers = [float(w) for w in values]
    if not wers:
        raise ConfigError("wer", "needs at least one write-error rate")
    for w in wers:
        if not 0.0 < w < 1.0:
            raise ConfigError("wer", f"must be in (0, 1), got {w}")
    return wers


def hetero_write_energy(
    wer_list: Sequence[float],
    baseline_cell,
    lowcost_cell_fn: Callable[[float], object],
    sram_cell,
    bit_energy: Callable[[object], float] = cell_bit_energy_pJ,
    protected_bits: int = PROTECTED_BITS,
    word_bits: int = WORD_BITS,
    word_writes: float = 1.0,
) -> pd.DataFrame:
    """Write energy of SRAM, baseline STT-MRAM and heterogeneous arrays at each WER (Fig. 15).

    Parameters
    ----------
    wer_list : WERs of the low-cost (mantissa) array.
    baseline_cell, sram_cell : cells (or pJ/bit numbers) turned into energy by ``bit_energy``.
    lowcost_cell_fn : target WER → low-cost cell.
    bit_energy : cell → write energy per bit, pJ.
    protected_bits : bits of each word kept on the baseline array (9: sign + exponent).
    word_writes : words written (e.g. a workload's scratchpad writes); scales ``write_energy_nJ``.

    Returns
    -------
    DataFrame, one row per memory: ``memory`` (``sram``, ``stt_baseline``, ``hetero``), ``wer`` (of the
    error-prone part; the baseline's own WER for ``stt_baseline``, 0 for SRAM), ``protected_bit_pJ``,
    ``lowcost_bit_pJ``, ``word_energy_pJ``, ``write_energy_nJ``, ``normalized`` (to the heterogeneous array
    at the highest WER, as the paper's Fig. 15) and ``gain_vs_baseline`` (baseline STT energy / this).
    """
    wers = write_error_rates(wer_list)
    if not 0 <= protected_bits <= word_bits:
        raise ConfigError("protected_bits", f"must be in 0..{word_bits}, got {protected_bits}")
    e_base = bit_energy(baseline_cell)
    e_sram = bit_energy(sram_cell)
    low_bits = word_bits - protected_bits
    rows = [
        {
            "memory": "sram",
            "wer": 0.0,
            "protected_bit_pJ": e_sram,
            "lowcost_bit_pJ": e_sram,
            "word_energy_pJ": word_bits * e_sram,
        },
        {
            "memory": "stt_baseline",
            "wer": float(getattr(baseline_cell, "write_error_rate", 0.0) or 0.0),
            "protected_bit_pJ": e_base,
            "lowcost_bit_pJ": e_base,
            "word_energy_pJ": word_bits * e_base,
        },
    ]
    for w in sorted(wers):
        e_low = bit_energy(lowcost_cell_fn(w))
        rows.append(
            {
                "memory": "hetero",
                "wer": w,
                "protected_bit_pJ": e_base,
                "lowcost_bit_pJ": e_low,
                "word_energy_pJ": protected_bits * e_base + low_bits * e_low,
            }
        )
    df = pd.DataFrame(rows)
    ref = df[(df.memory == "hetero") & (df.wer == max(wers))].word_energy_pJ.iloc[0]
    df["write_energy_nJ"] = df.word_energy_pJ * float(word_writes) * 1e-3
    df["normalized"] = df.word_energy_pJ / ref
    df["gain_vs_baseline"] = word_bits * e_base / df.word_energy_pJ
    return df
