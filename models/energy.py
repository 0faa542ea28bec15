"""Energy, delay and EDP of an L2 (or any cache) from access counts and a per-technology table.

Counts first, energy after: the simulator (or a profiler export) gives counts
once per capacity; this module turns them into joules and seconds for every
technology without re-simulating. The arithmetic follows DeepNVM++ §III-B/C
(seed ``deepnvm_plus_plus.txt``):

* L2 dynamic energy = reads × E_read + writes × E_write
* L2 leakage energy = leakage power × execution time
* DRAM energy = 32 B sectors moved × energy per sector
* delay "as the paper computes it": every L2 transaction costs its latency
  rounded up to whole L2-clock cycles ("we convert read and write latencies to
  clock cycles based on 1080 Ti GPU's clock frequency"), plus a fixed DRAM
  latency per DRAM access when DRAM is included;
* delay from the simulator: its ``time_ns`` (or ``cycles`` at the core clock).
* EDP = energy × delay, without DRAM (L2 only) and with DRAM (Fig. 8 left/right).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.errors import ConfigError
from models.tech_row import TECH_COLUMNS, capacity_keys

SECTOR_B = 32
BITS_PER_SECTOR = SECTOR_B * 8

#: Version of the energy/delay arithmetic; part of every stored study point's key.
ENERGY_MODEL_VERSION = "energy-1"


@dataclass(frozen=True)
class DramSpec:
    """A DRAM type: access energy and the latency a miss adds.

    ``energy_pJ_per_bit`` is per bit moved (read or write); ``latency_ns`` is
    the fixed latency the paper-style delay charges per DRAM access.
    """

    name: str
    energy_pJ_per_bit: float
    latency_ns: float
    source: str

    @property
    def energy_nJ_per_sector(self) -> float:
        """Energy of one 32 B sector transfer in nJ."""
        return self.energy_pJ_per_bit * BITS_PER_SECTOR * 1e-3


# Latency: GPGPU-Sim's Pascal configs put ``-dram_latency 100`` core cycles between the L2 miss queue and the
# DRAM controller (SM6_GTX1080 config); at the 1481 MHz core clock that is 67.5 ns. The Accel-Sim tuner measured
# 104 cycles at ~1200 MHz on a TITAN V (HBM2): about 87 ns. Newer HBM3 parts are taken as the HBM2 value.
DRAM_SPECS: dict[str, DramSpec] = {
    "gddr5x": DramSpec(
        "gddr5x", 7.8, 67.5,
        "AnandTech GTX 1080 estimate: ~20 W VRAM at 320 GB/s = 7.8 pJ/bit "
        "(anandtech.com/show/10316); latency: GPGPU-Sim SM6_GTX1080 -dram_latency 100 cycles @ 1481 MHz",
    ),
    "gddr5": DramSpec(
        "gddr5", 14.0, 67.5,
        "O'Connor et al., Fine-Grained DRAM, MICRO'17 (as tabulated by the Accelergy CACTI plug-in)",
    ),
    "gddr6": DramSpec("gddr6", 7.5, 67.5, "Micron Ultra-Bandwidth Solutions table, average device power (pJ/bit)"),
    "gddr6x": DramSpec("gddr6x", 7.25, 67.5, "Micron Ultra-Bandwidth Solutions table, average device power (pJ/bit)"),
    "hbm2": DramSpec(
        "hbm2", 3.9, 87.0,
        "O'Connor et al., Fine-Grained DRAM, MICRO'17 (via Accelergy); latency: Accel-Sim tuner, TITAN V, "
        "104 cycles @ ~1200 MHz",
    ),
    "hbm2e": DramSpec("hbm2e", 6.0, 87.0, "Micron Ultra-Bandwidth Solutions table, average device power (pJ/bit)"),
    "hbm3": DramSpec(
        "hbm3", 3.9, 87.0,
        "no verified public pJ/bit for HBM3: HBM2's 3.9 pJ/bit (MICRO'17) used as a proxy, flagged as such",
    ),
    "hbm3e": DramSpec("hbm3e", 3.9, 87.0, "proxy: HBM2's 3.9 pJ/bit (MICRO'17); no verified HBM3e figure"),
    "ddr3": DramSpec("ddr3", 70.0, 67.5, "Malladi et al., ISCA'12 (Accelergy CACTI plug-in DRAM table)"),
    "lpddr4": DramSpec("lpddr4", 8.0, 67.5, "Accelergy CACTI plug-in DRAM table ('public data')"),
}

#: DRAM type of each chip preset family (by name prefix); the GTX 1080 Ti uses GDDR5X (DeepNVM++ Table IV chip).
CHIP_DRAM = {
    "gtx1080ti": "gddr5x",
    "titanx": "gddr5x",
    "p100": "hbm2",
    "v100": "hbm2",
    "a100": "hbm2",
    "h100": "hbm3",
    "h200": "hbm3e",
    "rtx4090": "gddr6x",
    "rtx5090": "gddr6x",
}


def dram_spec(name: str | DramSpec) -> DramSpec:
    """Look a DRAM type up by name (case-insensitive); the error lists the valid names."""
    if isinstance(name, DramSpec):
        return name
    key = str(name).lower().replace("-", "").replace("_", "")
    if key not in DRAM_SPECS:
        raise ConfigError("dram", f"unknown DRAM type {name!r}; valid: {', '.join(sorted(DRAM_SPECS))}")
    return DRAM_SPECS[key]


def dram_for_chip(chip_name: str) -> DramSpec:
    """The DRAM type of a chip preset, by its name (``gtx1080ti-deepnvm`` → GDDR5X)."""
    key = str(chip_name).lower().replace("-", "").replace("_", "")
    for prefix, dram in CHIP_DRAM.items():
        if key.startswith(prefix):
            return DRAM_SPECS[dram]
    raise ConfigError("chip", f"no DRAM type known for chip {chip_name!r}; pass dram= one of {sorted(DRAM_SPECS)}")


#: What energy and delay need of a technology row (its area plays no part).
_TECH_COLUMNS = tuple(c for c in TECH_COLUMNS if c != "area_mm2")


def _col(df: pd.DataFrame, *names: str, default=None):
    for n in names:
        if n in df.columns:
            return df[n].astype(float)
    if default is None:
        raise ConfigError("counts", f"missing column {names[0]!r} (have {', '.join(map(str, df.columns))})")
    return pd.Series(default, index=df.index, dtype=float)


def attach_tech(counts: pd.DataFrame, tech: pd.DataFrame) -> pd.DataFrame:
    """Join counts (one row per ``l2_MB`` and maybe ``technology``) with the technology table.

    Counts without a ``technology`` column are capacity-only (fast mode) and
    are crossed with every technology of the table at that capacity.
    """
    missing = [c for c in _TECH_COLUMNS if c not in tech.columns]
    if missing:
        raise ConfigError("tech", f"technology table lacks columns {missing}")
    t = tech[list(_TECH_COLUMNS)].copy()
    t["_cap"] = capacity_keys(t["capacity_MB"])
    c = counts.copy()
    if "l2_MB" not in c.columns:
        raise ConfigError("counts", "missing column 'l2_MB'")
    c["_cap"] = capacity_keys(c["l2_MB"])
    on = ["_cap"]
    if "technology" in c.columns:
        c["technology"] = c["technology"].astype(str)
        on.append("technology")
    merged = c.merge(t, on=on, how="inner", validate="many_to_one" if len(on) == 2 else None)
    want = set(map(tuple, c[on].drop_duplicates().itertuples(index=False)))
    got = set(map(tuple, merged[on].drop_duplicates().itertuples(index=False)))
    if want - got:
        lacking = sorted((k[0] / 2**20, *k[1:]) for k in want - got)
        raise ConfigError("tech", f"no technology entry for (capacity_MB[, technology]) {lacking}")
    return merged.drop(columns=["_cap"])


def add_energy(
    counts: pd.DataFrame,
    tech: pd.DataFrame,
    *,
    dram: str | DramSpec = "gddr5x",
    l2_clock_MHz: float = 1481.0,
    core_clock_MHz: float = 1481.0,
    leakage_time: str = "paper",
) -> pd.DataFrame:
    """Energy, delay and EDP for every (counts row × matching technology).

    Parameters
    ----------
    counts : DataFrame
        Columns ``l2_MB, l2_reads, l2_writes`` and DRAM traffic as
        ``dram_read_sectors, dram_write_sectors`` (32 B units; falls back to
        ``dram_reads, dram_writes``); optionally ``technology``, ``cycles``
        and ``time_ns`` from the simulator.
    tech : DataFrame
        The per-technology table (``models.tables``): latency in ns,
        energy per access in nJ, leakage in mW, per ``capacity_MB``.
    dram : str or DramSpec
        DRAM type for the per-sector energy and per-access latency.
    l2_clock_MHz, core_clock_MHz : float
        L2 clock for the paper's latency-to-cycles conversion; core clock
        for ``cycles`` when ``time_ns`` is absent.
    leakage_time : {"paper", "sim"}
        Which execution time multiplies leakage power and forms EDP:
        the paper's transaction-latency delay, or the simulator's time.

    Returns
    -------
    DataFrame
        The input columns plus energies in nJ (``l2_dynamic_nJ``,
        ``l2_leakage_nJ``, ``l2_energy_nJ``, ``dram_energy_nJ``,
        ``total_energy_nJ``), delays in ns (``delay_l2_ns``,
        ``delay_dram_ns``, ``delay_paper_ns``, ``delay_sim_ns``) and EDPs in
        J·s (``edp_l2_Js`` without DRAM, ``edp_Js`` with DRAM).
    """
    if leakage_time not in ("paper", "sim"):
        raise ConfigError("leakage_time", f"must be 'paper' or 'sim', got {leakage_time!r}")
    for name, v in (("l2_clock_MHz", l2_clock_MHz), ("core_clock_MHz", core_clock_MHz)):
        if not v > 0:
            raise ConfigError(name, f"must be positive, got {v}")
    spec = dram_spec(dram)
    df = attach_tech(counts, tech)
    reads = _col(df, "l2_reads")
    writes = _col(df, "l2_writes")
    d_rd = _col(df, "dram_read_sectors", "dram_reads")
    d_wr = _col(df, "dram_write_sectors", "dram_writes")
    if (reads < 0).any() or (writes < 0).any() or (d_rd < 0).any() or (d_wr < 0).any():
        raise ConfigError("counts", "access counts must be non-negative")

    period_ns = 1e3 / l2_clock_MHz
    rd_cyc = np.ceil(df["read_latency_ns"].to_numpy(float) / period_ns - 1e-9)
    wr_cyc = np.ceil(df["write_latency_ns"].to_numpy(float) / period_ns - 1e-9)
    out = df.copy()
    out["dram"] = spec.name
    out["l2_read_cycles"] = rd_cyc.astype(np.int64)
    out["l2_write_cycles"] = wr_cyc.astype(np.int64)
    out["l2_dynamic_read_nJ"] = reads * df["read_energy_nJ"]
    out["l2_dynamic_write_nJ"] = writes * df["write_energy_nJ"]
    out["l2_dynamic_nJ"] = out["l2_dynamic_read_nJ"] + out["l2_dynamic_write_nJ"]

    out["delay_l2_ns"] = (reads * rd_cyc + writes * wr_cyc) * period_ns
    dram_sectors = d_rd + d_wr
    if "dram_accesses" in df.columns:
        dram_accesses = _col(df, "dram_accesses")
    else:
        dram_accesses = _col(df, "dram_reads", "dram_read_sectors") + _col(df, "dram_writes", "dram_write_sectors")
    out["delay_dram_ns"] = dram_accesses * spec.latency_ns
    out["delay_paper_ns"] = out["delay_l2_ns"] + out["delay_dram_ns"]
    if "time_ns" in df.columns:
        out["delay_sim_ns"] = df["time_ns"].astype(float)
    elif "cycles" in df.columns:
        out["delay_sim_ns"] = df["cycles"].astype(float) * 1e3 / core_clock_MHz
    else:
        out["delay_sim_ns"] = np.nan
    if leakage_time == "sim":
        if out["delay_sim_ns"].isna().any():
            raise ConfigError("leakage_time", "'sim' needs simulator 'time_ns' or 'cycles' in the counts")
        t_l2 = t_all = out["delay_sim_ns"]
    else:
        t_l2, t_all = out["delay_l2_ns"], out["delay_paper_ns"]
    out["time_basis"] = leakage_time
    # mW × ns = 1e-3 W × 1e-9 s = 1e-12 J = 1e-3 nJ
    out["l2_leakage_nJ"] = df["leakage_mW"] * t_l2 * 1e-3
    out["l2_leakage_dram_nJ"] = df["leakage_mW"] * t_all * 1e-3
    out["l2_energy_nJ"] = out["l2_dynamic_nJ"] + out["l2_leakage_nJ"]
    out["dram_energy_nJ"] = dram_sectors * spec.energy_nJ_per_sector
    out["total_energy_nJ"] = out["l2_dynamic_nJ"] + out["l2_leakage_dram_nJ"] + out["dram_energy_nJ"]
    # nJ × ns = 1e-18 J·s
    out["edp_l2_Js"] = out["l2_energy_nJ"] * t_l2 * 1e-18
    out["edp_Js"] = out["total_energy_nJ"] * t_all * 1e-18
    return out


def normalise(df: pd.DataFrame, columns, *, by, baseline: dict) -> pd.DataFrame:
    """Divide ``columns`` by the baseline row of each group (e.g. SRAM of the same workload).

    ``by`` lists the grouping columns; ``baseline`` selects the reference row
    within a group (``{"technology": "sram"}``). New columns are ``<col>_norm``.
    """
    mask = np.ones(len(df), dtype=bool)
    for k, v in baseline.items():
        mask &= (df[k] == v).to_numpy()
    base = df.loc[mask, list(by) + list(columns)]
    if base.duplicated(subset=list(by)).any():
        raise ConfigError("baseline", f"more than one baseline row per group {list(by)}")
    base = base.rename(columns={c: f"_base_{c}" for c in columns})
    out = df.merge(base, on=list(by), how="left")
    for c in columns:
        out[f"{c}_norm"] = out[c] / out[f"_base_{c}"]
    return out.drop(columns=[f"_base_{c}" for c in columns])


def ratio_text(x: float) -> str:
    """``0.26`` → ``3.8× lower``; ``2.1`` → ``2.1× higher`` (how the paper states ratios)."""
    if not math.isfinite(x) or x <= 0:
        return "n/a"
    return f"{1 / x:.2g}× lower" if x < 1 else f"{x:.2g}× higher"
