"""nvmsim models: bitcells, the circuit-level array model, energy, and MTJ physics.

``from models import tech_table, iso_area, area_budget_capacity, compare_nvsim, load_cell`` (imported lazily, so
``import models.errors`` stays light).
"""

_LAZY = {
    "tech_table": ("models.tables", "tech_table"),
    "iso_area": ("models.tables", "iso_area"),
    "area_budget_capacity": ("models.tables", "area_budget_capacity"),
    "design_point": ("models.tables", "design_point"),
    "compare_nvsim": ("models.tables", "compare_nvsim"),
    "load_cell": ("models.cells", "load_cell"),
    "Cell": ("models.cells", "Cell"),
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'models' has no attribute {name!r}")
