"""What every DeepNVM++ study shares, in one object instead of a keyword list repeated by each study.

>>> from simulator.studies.deepnvm import sweep_l2
>>> from simulator.studies.options import StudyOptions
>>> opts = StudyOptions(mode="timed", store="out/points")
>>> df = sweep_l2("alexnet", options=opts)                 # or sweep_l2("alexnet", mode="timed", store=...)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from models.config import as_positive, require_extra
from models.errors import ConfigError
from simulator.gpu.simulate import MODES

DEFAULT_CHIP = "gtx1080ti-deepnvm"
TIME_BASES = ("paper", "sim")


@dataclass(frozen=True, eq=False)  # eq=False: a DataFrame field has no truth value
class StudyOptions:
    """The chip and how it is simulated, the technologies, the energy conventions, and where points run.

    Attributes
    ----------
    chip : str
        Chip preset name or TOML path.
    overrides : dict, optional
        Nested chip fields merged over the preset (``load_chip(..., overrides=...)``).
    mode : {"fast", "timed"}
        fast: counts once per capacity for all technologies; timed: technology latencies shape the traffic.
    cells : tuple of str, optional
        Technologies (cells); ``None`` takes the study's default (SRAM/STT/SOT, or STT/SOT against the iso-area
        reference).
    node_nm : float
        Technology node of the circuit model.
    dram : str, optional
        DRAM type for energy (default: the chip's).
    time_basis : {"paper", "sim"}
        Execution time for leakage and EDP: the paper's transaction latencies or the simulator's cycles.
    tech : DataFrame, optional
        A per-technology table to use instead of computing one with the circuit model.
    store : path, optional
        Per-point result store (resume).
    workers : int or "auto"
        Local worker processes (1: in-process; "auto", the default: what helps on this machine, see
        :func:`simulator.studies.runner.auto_workers`).
    scheduler : str or dask.distributed.Client, optional
        Dask scheduler.
    sample_sets : int
        Simulate one L2 set in ``sample_sets`` and scale (fast mode; see :func:`simulator.gpu.simulate_gpu`): for
        workloads too large to run whole; sampled rows carry ``sample_sets`` and ``dram_accesses_rse``.
    """

    chip: str = DEFAULT_CHIP
    overrides: dict | None = None
    mode: str = "fast"
    cells: tuple[str, ...] | None = None
    node_nm: float = 16
    dram: object = None
    time_basis: str = "paper"
    tech: pd.DataFrame | None = None
    store: str | Path | None = None
    workers: int | str = "auto"
    scheduler: object = None
    sample_sets: int = 1

    def __post_init__(self):
        if self.mode not in MODES:
            raise ConfigError("mode", f"must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.time_basis not in TIME_BASES:
            raise ConfigError("time_basis", f"must be one of {', '.join(TIME_BASES)}, got {self.time_basis!r}")
        if self.cells is not None:
            if isinstance(self.cells, str):  # one name, as tech_table takes it
                object.__setattr__(self, "cells", (self.cells,))
            object.__setattr__(self, "cells", tuple(str(c) for c in self.cells))
            if not self.cells:
                raise ConfigError("cells", "must not be empty")
        as_positive(self.node_nm, "node_nm", unit="nm")
        if isinstance(self.scheduler, str):  # an address: the extra is needed before the tables are computed
            require_extra("distributed", "dask", "scheduler")
        if self.workers != "auto":
            object.__setattr__(self, "workers", as_positive(self.workers, "workers", integer=True))
        object.__setattr__(self, "sample_sets", as_positive(self.sample_sets, "sample_sets", integer=True))
        if self.sample_sets > 1 and self.mode != "fast":
            raise ConfigError("sample_sets", "set sampling runs in fast mode only")

    @classmethod
    def of(cls, options: StudyOptions | None = None, **changes) -> StudyOptions:
        """``options`` (or the defaults) with ``changes``; an unknown name is an error naming it."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ConfigError(unknown[0], f"not a study option (valid: {', '.join(sorted(names))})")
        return dataclasses.replace(options or cls(), **changes)

    def cells_or(self, default) -> tuple[str, ...]:
        """The technologies asked for, or the study's ``default``."""
        return self.cells if self.cells is not None else tuple(default)
