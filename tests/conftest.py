import os

import pytest

from simulator.studies import gpu_counts
from tests import support
from tests.cache_reference import REFERENCES

os.environ.setdefault("NVMSIM_NO_PROGRESS", "1")
# the figure worker only saves time (tests/test_figure_worker.py checks it, with the variable removed); elsewhere a
# verb draws in-process, so that hundreds of CLI calls do not each start a process
os.environ.setdefault("NVMSIM_FIGURE_WORKER", "0")
# likewise the kernel warm-up helper (tests/test_warmup.py checks it)
os.environ.setdefault("NVMSIM_WARMUP", "0")
# and the circuit model's on-disk store of searches (tests/test_design_cache.py checks it): every test searches, and
# none writes into the user's cache directory
os.environ.setdefault("NVMSIM_DESIGN_CACHE", "0")


@pytest.fixture
def ref_cache():
    """``ref_cache(policy, sets, ways, **kw)``: a pure-Python reference cache (tests/cache_reference.py) of that
    replacement policy, so that tests compare against one model without importing each other."""

    def make(policy, sets, ways, **kw):
        return REFERENCES[policy](sets, ways, **kw)

    return make


class _Counts:
    """Replaces the simulator behind the DeepNVM++ studies with the analytic oracle and records its calls;
    ``hook(points)`` (if set) runs first on each call, e.g. to simulate a kill."""

    def __init__(self):
        self.calls = []
        self.hook = None

    def __call__(self, points):
        if self.hook is not None:
            self.hook(points)
        self.calls.append(points)
        return support.analytic_points(points)


@pytest.fixture
def analytic_counts(monkeypatch):
    """The studies' counts step (``gpu_counts.simulate_points``) answered by :func:`support.analytic_points`."""
    counts = _Counts()
    monkeypatch.setattr(gpu_counts, "simulate_points", counts)
    return counts
