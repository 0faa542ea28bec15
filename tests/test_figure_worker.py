"""The figure worker (simulator.studies.figure_worker): a PNG drawn in the second process is byte for byte the one
drawn in this process; whatever the worker cannot do falls back to drawing here; a verb's unused worker is ended."""

import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulator.output import save_figure
from simulator.studies.figure_worker import FigureWorker, Plot

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _workers_allowed(monkeypatch):
    monkeypatch.delenv("NVMSIM_FIGURE_WORKER", raising=False)  # the test session turns them off (conftest)


def _sweep() -> pd.DataFrame:
    rows = [{"network": "lenet5", "phase": "inference", "batch": 1, "technology": t, "l2_MB": mb,
             "dram_reduction_pct": r, "edp_Js_norm": e, "edp_Js": e, "total_energy_nJ": 1e9 * e}
            for t in ("sram", "stt") for mb, r, e in ((3.0, 0.0, 1.0), (6.0, 12.5, 0.8), (12.0, 20.0, 0.7))]
    return pd.DataFrame(rows)


def test_plot_is_a_picklable_reference_to_the_plots_function():
    from simulator.studies import plots

    p = pickle.loads(pickle.dumps(Plot("normalised_bars", panels={"EDP": "edp_Js_norm"}, title="t", log=True)))
    assert p.name == "normalised_bars" and p.kwargs == {"panels": {"EDP": "edp_Js_norm"}, "title": "t", "log": True}
    with pytest.raises(ValueError, match="unknown figure 'no_such_figure'"):
        Plot("no_such_figure")
    assert callable(plots.dram_reduction)


def test_plot_data_is_plain_and_draws_the_same_figure_as_the_table(tmp_path):
    """What a worker receives is plain Python (no pandas, no numpy: a worker that never imports pandas unpickles
    it), and drawn it is the same PNG as the public function drawing the table."""
    from simulator.studies import plots

    def plain(x):
        if isinstance(x, dict):
            return all(isinstance(k, str) and plain(v) for k, v in x.items())
        if isinstance(x, list):
            return all(plain(v) for v in x)
        return type(x) in (str, float, int, bool)

    df = _sweep()
    data = Plot("dram_reduction").data(df)
    assert plain(data)
    save_figure(plots.draw("dram_reduction", data), tmp_path / "data.png")
    save_figure(plots.dram_reduction(df), tmp_path / "table.png")
    assert (tmp_path / "data.png").read_bytes() == (tmp_path / "table.png").read_bytes()


def test_worker_draws_without_pandas_or_pyplot(tmp_path):
    job = pickle.dumps(("dram_reduction", Plot("dram_reduction").data(_sweep()), str(tmp_path / "w.png")))
    code = ("import sys; import simulator.studies.figure_worker as w; rc = w._serve(); "
            "print(rc, 'pandas' in sys.modules, 'matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], input=job, capture_output=True, cwd=ROOT, timeout=120)
    assert out.stdout.decode().split() == ["ok", "0", "False", "False"], out.stderr.decode()
    assert (tmp_path / "w.png").stat().st_size > 1000


def test_worker_draws_the_same_png_as_this_process(tmp_path):
    df = _sweep()
    worker = FigureWorker.start(force=True)
    assert worker is not None
    try:
        assert worker.submit(Plot("dram_reduction"), df, tmp_path / "w.png")
        assert worker.wait()
    finally:
        worker.close()
    save_figure(Plot("dram_reduction")(df), tmp_path / "here.png")
    assert (tmp_path / "w.png").read_bytes() == (tmp_path / "here.png").read_bytes()


def test_worker_failures_leave_the_drawing_to_the_caller(tmp_path):
    df = _sweep()
    class Odd(Plot):
        def __init__(self, data):
            super().__init__("dram_reduction")
            self.odd = data

        def data(self, df):
            return self.odd

    w = FigureWorker.start(force=True)
    assert not w.submit(Odd({"f": lambda: 0}), df, tmp_path / "x.png")  # not picklable: refused, worker ended
    assert w.proc.poll() is not None
    w = FigureWorker.start(force=True)
    assert w.submit(Odd({"bars": "nonsense"}), df, tmp_path / "y.png")
    assert not w.wait()  # the worker's error: the caller draws (and raises the drawing's own error)
    w.close()
    assert not (tmp_path / "y.png").exists()


def test_no_worker_when_disabled_or_when_matplotlib_is_loaded(monkeypatch):
    import simulator.studies.plots  # noqa: F401 - loaded (with matplotlib): drawing here costs no import

    assert FigureWorker.start() is None
    monkeypatch.setenv("NVMSIM_FIGURE_WORKER", "0")
    assert FigureWorker.start(force=True) is None


def test_a_verb_ends_its_unused_worker(monkeypatch, tmp_path):
    """A study that fails before writing its figure ends the worker it started (no process left waiting)."""
    from simulator.cli import main

    started = []
    real = FigureWorker.start

    def start(force=False):
        w = real(force=True)
        started.append(w)
        return w

    monkeypatch.setattr(FigureWorker, "start", classmethod(lambda cls, force=False: start(force)))
    assert main(["sweep-l2", "--network", "no-such-net", "--out", str(tmp_path / "o")]) == 2
    assert len(started) == 1 and started[0].proc.poll() is not None
