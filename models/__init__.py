"""nvmsim models: bitcells, the circuit-level array model, energy, and MTJ physics.

``from models import tech_table, iso_area, area_budget_capacity, load_cell`` (imported lazily, so
``import models.errors`` stays light).
"""

_LAZY = {
    "tech_table": ("models.tech_table", "tech_table"),
    "iso_area": ("models.tech_table", "iso_area"),
    "area_budget_capacity": ("models.tech_table", "area_budget_capacity"),
    "design_point": ("models.tech_table", "design_point"),
    "load_cell": ("models.cells", "load_cell"),
    "Cell": ("models.cells", "Cell"),
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod), attr)
        # the submodule models.tech_table shares the function's name: importing it binds the module
        # here, so bind the function over it
        globals()[name] = value
        return value
    raise AttributeError(f"module 'models' has no attribute {name!r}")
