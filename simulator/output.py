"""Writing results: atomic files (temporary file, then rename) and plain-text tables.

A killed run never leaves a half-written result behind: every writer here
writes next to the target and renames over it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from models.atomic_file import atomic_write

if TYPE_CHECKING:  # annotations only: importing pandas costs ~0.7 s that `nvmsim --help` should not pay
    import pandas as pd

__all__ = ["Checkpoint", "atomic_write", "format_table", "pyplot", "save_figure", "write_table"]


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as CSV or Parquet, chosen by the suffix, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return atomic_write(path, lambda p: df.to_csv(p, index=False))
    if suffix in (".parquet", ".pq"):
        return atomic_write(path, lambda p: df.to_parquet(p, index=False))
    raise ValueError(f"{path}: unknown table format {suffix!r} (use .csv or .parquet)")


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend.

    Imported here, on first use, rather than at the top of every module that can draw: plotting is the only part
    of nvmsim that needs matplotlib, and its import (a third of a second) should not slow commands that draw
    nothing.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG atomically and close it.

    A figure laid out by constrained layout already fits its canvas and is saved as it is; any other is cropped to
    its artists (``bbox_inches="tight"``, which costs one more drawing pass: 15 % of the main job's figure).
    """
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    crop = {} if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine) else {"bbox_inches": "tight"}
    out = atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=120, **crop))
    plt = sys.modules.get("matplotlib.pyplot")  # a figure made through pyplot is released by it; others need not
    if plt is not None:
        plt.close(fig)
    return out


def format_table(df: pd.DataFrame, float_fmt: str = "{:.4g}", max_rows: int = 200) -> str:
    """Render a DataFrame as an aligned plain-text table for the terminal."""
    if len(df) > max_rows:
        head = format_table(df.head(max_rows), float_fmt, max_rows)
        return f"{head}\n... ({len(df) - max_rows} more rows)"
    return df.to_string(index=False, float_format=lambda x: float_fmt.format(x))


class Checkpoint:
    """Where one long computation saves its state now and then, to resume after a kill (see
    :mod:`simulator.studies.runner`).

    The state is a dict of numpy arrays (no pickles), written atomically as ``.npz`` at most every
    ``interval_s`` seconds (:meth:`due`); :meth:`load` returns it only if its ``identity`` (a string naming
    what was being computed) matches, so a checkpoint of another computation is never resumed.  A checkpoint that
    cannot be read (truncated, corrupt) is deleted and the computation starts over.
    """

    def __init__(self, path: str | Path, interval_s: float = 30.0):
        self.path = Path(path)
        self.interval_s = float(interval_s)
        self._last = time.monotonic()

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.interval_s

    def save(self, identity: str, state: dict) -> None:
        import numpy as np

        arrays = {f"s_{k}": np.asarray(v) for k, v in state.items()}
        arrays["_identity"] = np.array(identity)
        atomic_write(self.path, lambda p: _savez(p, arrays))
        self._last = time.monotonic()

    def load(self, identity: str) -> dict | None:
        import numpy as np

        if not self.path.is_file():
            return None
        try:
            with np.load(self.path, allow_pickle=False) as z:
                if str(z["_identity"]) != identity:
                    return None
                return {k[2:]: z[k] for k in z.files if k.startswith("s_")}
        except Exception:  # noqa: BLE001 - any unreadable checkpoint is discarded, never trusted
            self.clear()
            return None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def __getstate__(self):  # sent to worker processes: the path and the interval, not the clock
        return {"path": self.path, "interval_s": self.interval_s}

    def __setstate__(self, state):
        self.__init__(state["path"], state["interval_s"])


def _savez(path: Path, arrays: dict) -> None:
    import numpy as np

    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
