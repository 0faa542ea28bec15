"""Draw a command's figure in a second process that starts with the command, so that importing matplotlib and
drawing overlap the command's own work instead of following it.

Why: the main job (``nvmsim sweep-l2 ... --out DIR``) spent about 0.4 s importing pyplot and 0.3 s drawing and
saving its PNG, all on one core after the simulation, while the machine's other core idled through the imports
and the circuit model before the simulation.  A worker process imports matplotlib and the drawing module while the
command runs, then receives one job -- the figure's name, its plain data (:meth:`Plot.data`: lists of labels,
colours and values, taken out of the study's table by the command) and the PNG path, pickled -- draws it and saves
it atomically (:func:`simulator.output.save_figure`).  Given plain data, the worker needs no pandas: its imports
(matplotlib alone) end before the command hands it the figure, and the drawing is all that follows the command.

A worker is started only where it can gain: at least two CPUs and the figure functions (with matplotlib) not yet
imported by this process (a process that has drawn once draws again at no import cost).  Anything going wrong
with the worker (it cannot start, dies, answers nonsense) makes the caller draw in its own process, which gives
the same file or raises the drawing's own error.  ``NVMSIM_FIGURE_WORKER=0`` never starts one.

Run as ``python -m simulator.studies.figure_worker``: reads one pickled job from stdin (nothing, when the command ends
without a figure: then it exits quietly), answers ``ok`` or ``error: <reason>`` on stdout.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from simulator.helper_process import helper_allowed, start_helper


class Plot:
    """A figure of :mod:`simulator.studies.plots` by name, with its keyword arguments: what it shows is taken out of
    a table by :meth:`data` (pandas, no matplotlib), and calling it draws the figure in this process."""

    def __init__(self, name: str, **kwargs):
        from simulator.studies.figure_data import FIGURES

        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r} (known: {', '.join(sorted(FIGURES))})")
        self.name, self.kwargs = name, kwargs

    def data(self, df) -> dict:
        """The figure's plain data (lists of labels, colours, values): all a worker needs to draw it."""
        from simulator.studies.figure_data import FIGURES

        return FIGURES[self.name](df, **self.kwargs)

    def __call__(self, df):
        from simulator.studies.plots import draw

        return draw(self.name, self.data(df))


class FigureWorker:
    """A started worker process: :meth:`submit` hands it one figure, :meth:`wait` says whether it saved it,
    :meth:`close` ends it."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.submitted = False

    @classmethod
    def start(cls, force: bool = False) -> FigureWorker | None:
        """A worker, or None where one would not gain (see the module docstring; ``force``: start one anyway) or
        cannot start."""
        if not helper_allowed("NVMSIM_FIGURE_WORKER", force):
            return None
        if not force and "simulator.studies.plots" in sys.modules:
            return None
        proc = start_helper("simulator.studies.figure_worker", stdout=subprocess.PIPE)
        return cls(proc) if proc is not None else None

    def submit(self, figure: Plot, df, path: Path) -> bool:
        """Hand the worker ``figure`` of ``df`` to save as ``path`` (its plain data, taken out here); False where it
        cannot take it (then it is closed)."""
        try:
            job = pickle.dumps((figure.name, figure.data(df), str(path)), protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.write(job)
            self.proc.stdin.close()
        except Exception:  # noqa: BLE001 - unpicklable, or the worker is gone: the caller draws
            self.close()
            return False
        self.submitted = True
        return True

    def wait(self) -> bool:
        """Whether the worker saved the submitted figure (False: the caller draws it in its own process)."""
        try:
            out = self.proc.stdout.read()
            self.proc.wait(timeout=600)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            return False
        return self.proc.returncode == 0 and out.strip().splitlines()[-1:] == [b"ok"]  # (whatever printed before)

    def close(self) -> None:
        """End the worker if it is still running.  One without a job has nothing to finish and is killed (a command
        that fails on bad input answers at once, not after matplotlib's import); one drawing is let finish, so that
        it leaves no temporary file behind."""
        if self.submitted and self.proc.poll() is None:
            try:
                self.proc.wait(timeout=600)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:  # the killed worker's pipe: nothing left to flush
                pass


def _serve() -> int:
    from simulator.output import save_figure
    from simulator.studies.plots import draw  # matplotlib, without pyplot or pandas: the imports this worker is for

    job = sys.stdin.buffer.read()
    if not job:  # the command ended without a figure
        return 0
    try:
        name, data, path = pickle.loads(job)
        save_figure(draw(name, data), Path(path))
    except Exception as exc:  # noqa: BLE001 - reported; the caller draws in its own process
        print(f"error: {' '.join(str(exc).split())}", flush=True)
        return 1
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    from simulator.quick_exit import exit_now

    exit_now(_serve())  # the caller waits for this process to end: no module teardown
