"""Writing results: atomic files (temporary file, then rename) and plain-text tables.

A killed run never leaves a half-written result behind: every writer here
writes next to the target and renames over it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: importing pandas costs ~0.7 s that `nvmsim --help` should not pay
    import pandas as pd



def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private (0600); results are shared as usual
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _umask() -> int:
    """The process's file-creation mask (read by setting and restoring it: there is no getter)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


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
    """Save a matplotlib figure as PNG atomically and close it."""
    out = atomic_write(path, lambda p: fig.savefig(p, format="png", dpi=120, bbox_inches="tight"))
    pyplot().close(fig)
    return out


def format_table(df: pd.DataFrame, float_fmt: str = "{:.4g}", max_rows: int = 200) -> str:
    """Render a DataFrame as an aligned plain-text table for the terminal."""
    if len(df) > max_rows:
        head = format_table(df.head(max_rows), float_fmt, max_rows)
        return f"{head}\n... ({len(df) - max_rows} more rows)"
    return df.to_string(index=False, float_format=lambda x: float_fmt.format(x))
