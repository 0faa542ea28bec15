"""Importers of data measured elsewhere: profiler counter exports and Accel-Sim SASS traces."""

from .accelsim import read_accelsim
from .profiler import COUNT_COLUMNS, read_ncu_csv, read_nvprof_csv

__all__ = ["COUNT_COLUMNS", "read_accelsim", "read_ncu_csv", "read_nvprof_csv"]
