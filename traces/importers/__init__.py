"""Importers of data measured elsewhere: profiler counter exports and Accel-Sim SASS traces."""

from traces.importers.accelsim import read_accelsim
from traces.importers.profiler import SECTOR_COLUMNS, read_ncu_csv, read_nvprof_csv

__all__ = ["SECTOR_COLUMNS", "read_accelsim", "read_ncu_csv", "read_nvprof_csv"]
