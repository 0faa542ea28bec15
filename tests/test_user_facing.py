"""What a user sees: honest progress bars, warnings before long work, extras named before the work starts, plots
ticked at the swept values with one colour per series, and the default number of worker processes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from models.errors import NvmsimWarning


class _Bar:
    """Records what a progress bar is told (total, unit, updates)."""

    made: list = []

    def __init__(self, iterable=None, *, total=None, unit="it", **kw):
        self.iterable, self.total, self.unit, self.n = iterable, total, unit, 0
        _Bar.made.append(self)

    def __iter__(self):
        for x in self.iterable:
            self.n += 1
            yield x

    def update(self, k=1):
        self.n += k

    def close(self):
        pass

    def set_description(self, *_):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_simulation_bar_counts_requests_against_the_request_total(monkeypatch):
    from simulator import load_chip, simulate_gpu
    from simulator.gpu import fast
    from traces import network_trace

    _Bar.made = []
    monkeypatch.setattr(fast, "progress", _Bar)
    chip = load_chip("gtx1080ti-deepnvm")
    trace = network_trace("lenet5", phase="training", batch=2, chip=chip, chunk_size=4096)
    simulate_gpu(trace, chip, l2_MB=[3], progress=True)
    bar = _Bar.made[-1]
    assert bar.unit == "req" and bar.total == trace.n_accesses and bar.n == trace.n_accesses


def test_progress_never_takes_a_total_from_len():
    from simulator.progress import progress

    class Sized:
        def __len__(self):
            return 10**9  # requests, while iteration yields 3 chunks

        def __iter__(self):
            return iter([1, 2, 3])

    bar = progress(Sized(), enabled=False)
    assert bar.total is None and list(bar) == [1, 2, 3]


def test_long_mtj_work_is_announced_and_counted_in_ns(monkeypatch):
    from simulator.studies import mtj

    monkeypatch.setattr(mtj, "progress", _Bar)
    with pytest.warns(NvmsimWarning, match="min"):
        bar = mtj._announce([1000.0], 24, ["fpe"], 5000)
    assert bar.total == 24 * 1000.0 and bar.unit == "ns"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mtj._announce([1.0, 2.0], 16, ["fpe"], 2000)  # a few seconds: no warning


def test_cli_prints_nvmsim_warnings_on_one_line(capsys):
    from simulator.cli import _one_line_warnings

    _one_line_warnings()
    warnings.warn("about 3 min of work", NvmsimWarning, stacklevel=1)
    assert capsys.readouterr().err == "nvmsim: warning: about 3 min of work\n"


def test_missing_extra_is_named_before_any_work(tmp_path, monkeypatch, capsys):
    import importlib.util

    from simulator.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sklearn" else real(name, *a))
    assert main(["reproduce", "scratchpad", "--quick", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "sklearn" in err and "[train]" in err and err.count("\n") == 1
    assert not (tmp_path / "r").exists()


def _sweep_df():
    rows = []
    for p, b in (("inference", 4), ("training", 64)):
        for t in ("sram", "stt", "sot"):
            for c in (3.0, 6.0, 12.0, 24.0):
                rows.append(dict(network="alexnet", phase=p, batch=b, technology=t, l2_MB=c, dram_reduction_pct=c,
                                 total_energy_nJ=1e9 * c))
    return pd.DataFrame(rows)


def test_sweep_plot_ticks_the_swept_capacities_and_colours_each_series():
    from simulator.studies import plots

    fig = plots.dram_reduction(_sweep_df())
    ax = fig.axes[1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "6", "12", "24"]
    colours = [tuple(np.round(line.get_color() if isinstance(line.get_color(), tuple) else
                              __import__("matplotlib.colors").colors.to_rgba(line.get_color()), 4))
               for line in ax.get_lines()]
    assert len(colours) == 6 and len(set(colours)) == 6  # 3 technologies x inference/training, none alike
    assert any("T b64" in t.get_text() for t in ax.get_legend().get_texts())


def test_four_panel_bars_are_two_by_two_with_a_constrained_layout():
    from simulator.studies import plots

    df = _sweep_df()[lambda d: d.l2_MB == 3.0].assign(a=1.0, b=1.0, c=1.0, d=1.0)
    fig = plots.normalised_bars(df, {"a": "a", "b": "b", "c": "c", "d": "d"}, title="t")
    assert fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4 and len({round(ax.get_position().y0, 2) for ax in visible}) == 2


def test_auto_workers():
    from simulator.studies.runner import auto_workers

    assert auto_workers(4, cores=2) == 1  # measured: processes only compete for two cores
    assert auto_workers(1, cores=16) == 1
    assert auto_workers(10, cores=16) == 8 and auto_workers(3, cores=16) == 3


def test_sweep_prints_its_units(capsys, analytic_counts):
    from simulator.cli import main

    assert main(["sweep-l2", "--network", "alexnet", "--l2", "3,6MB", "--tech", "sram"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "# sweep-l2: alexnet inference batch 4 on gtx1080ti-deepnvm, L2 3, 6 MB, mode fast"


def test_nvsim_compare_with_a_contradicting_cell_warns_loudly_when_allowed(tmp_path, capsys):
    from simulator.cli import main

    report = "tests/data/nvsim_28nm/stt28_512KB_ram.out"
    out = tmp_path / "cmp.csv"
    assert main(["tech", "nvsim-compare", report, "--cell", "sram28", "--node", "28", "--allow-cell-mismatch",
                 "--csv", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"nvmsim: WARNING: {report}: --cell sram28 is not the cell NVSim ran with (mem_type")
    assert "area_F2 45.918 in the report, 146 in sram28" in pd.read_csv(out)["cell_mismatch"].iloc[0]
    assert main(["tech", "nvsim-compare", report, "--cell", "stt28", "--node", "28", "--csv", str(out),
                 "--quiet"]) == 0  # the right cell: no contradiction, no column
    assert "cell_mismatch" not in pd.read_csv(out).columns and capsys.readouterr().err == ""


def test_output_into_a_closed_pipe_is_not_an_error():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    res = subprocess.run(f"{sys.executable} -m simulator.cli workloads | head -1", shell=True, cwd=root,
                         capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(root)})
    assert res.returncode == 0 and res.stderr == "" and res.stdout.split()[0] == "network"
