"""``simulator.chip.load_chip`` as the README showed it; chips live in :mod:`simulator.gpu.chip`."""

from simulator.gpu.chip import GpuChip, load_chip, preset_names

__all__ = ["GpuChip", "load_chip", "preset_names"]
