"""nvmsim simulator: the GPU engine (:mod:`simulator.gpu`), the systolic accelerator (:mod:`simulator.systolic`),
the studies (:mod:`simulator.studies`) and the ``nvmsim`` command (:mod:`simulator.cli`).

``from simulator import load_chip, simulate_gpu, Cache, sweep_l2, StudyOptions`` gives the public surface; each
name is imported on first use, so that ``import simulator.cli`` (every ``nvmsim`` call) stays light.
"""

import importlib

_LAZY = {
    "Cache": "simulator.gpu",
    "GpuChip": "simulator.gpu",
    "load_chip": "simulator.gpu",
    "preset_names": "simulator.gpu",
    "simulate_gpu": "simulator.gpu",
    "AcceleratorConfig": "simulator.systolic",
    "load_accelerator": "simulator.systolic",
    "StudyOptions": "simulator.studies.options",
    "sweep_l2": "simulator.studies.deepnvm",
    "iso_capacity": "simulator.studies.deepnvm",
    "iso_area": "simulator.studies.deepnvm",
    "batch_size": "simulator.studies.deepnvm",
    "scalability": "simulator.studies.deepnvm",
    "scratchpad_study": "simulator.studies.scratchpad",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
