"""Load a command's heavy modules with the garbage collector out of the way.

Why: importing numpy, pandas, Numba and nvmsim's engine creates about a million Python objects that live as long
as the process.  With the collector on, the import triggers hundreds of collections that traverse them, and every
later full collection of the run traverses them again: 0.2-0.28 s of the warm main job (measured with
``gc.callbacks``), against 0.02-0.03 s when the imports run with the collector off and their objects are then
frozen (``gc.freeze``: moved to a generation that is never collected; they are never garbage anyway).  The
collector is on again for the work itself, so a long run collects its cycles as usual.  (Garbage the imports
leave in cycles is frozen with them and never freed: a few objects of module set-up, not worth the full collection
that would find them.)
"""

from __future__ import annotations

import gc
import importlib


def import_settled(*modules: str) -> None:
    """Import ``modules`` with the collector off, then freeze everything alive and turn the collector back on (if
    it was on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        gc.freeze()
        if was_on:
            gc.enable()
