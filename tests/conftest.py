import os

import pytest

from tests import support

os.environ.setdefault("NVMSIM_NO_PROGRESS", "1")


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
    from simulator.studies import gpu_counts

    counts = _Counts()
    monkeypatch.setattr(gpu_counts, "simulate_points", counts)
    return counts
