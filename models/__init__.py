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
        module = importlib.import_module(mod)
        # the submodule models.tech_table shares the function's name: importing it binds the module
        # here, so bind every lazy name of that module over it
        for other, (omod, oattr) in _LAZY.items():
            if omod == mod:
                globals()[other] = getattr(module, oattr)
        return globals()[name]
    raise AttributeError(f"module 'models' has no attribute {name!r}")
