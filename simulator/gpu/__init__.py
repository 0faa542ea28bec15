"""The GPU engine: chip configuration and presets, L2 address mapping, caches and their Numba kernels, and the
fast and timed engines that run a trace through them (:func:`simulate_gpu`)."""

from simulator.gpu.cache import Cache, CacheStats
from simulator.gpu.chip import GpuChip, load_chip, preset_names
from simulator.gpu.counts import COUNT_COLUMNS
from simulator.gpu.simulate import GpuResult, simulate_gpu

__all__ = ["COUNT_COLUMNS", "Cache", "CacheStats", "GpuChip", "GpuResult", "load_chip", "preset_names",
           "simulate_gpu"]
