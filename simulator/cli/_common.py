"""Options and output handling shared by every verb, defined once."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from models.errors import ConfigError
from simulator.output import format_table, write_table

if TYPE_CHECKING:  # annotations only: importing pandas costs ~0.7 s that `nvmsim --help` should not pay
    import pandas as pd


def parse_float_list(text: str, field: str) -> list[float]:
    """``"3,6,12,24"`` → ``[3.0, 6.0, 12.0, 24.0]``, with an error naming the option."""
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(field, f"must be a comma-separated list of numbers, got {text!r}") from None
    if not values:
        raise ConfigError(field, "must not be empty")
    return values


def parse_str_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def add_output_options(p: argparse.ArgumentParser, default_name: str | None = None) -> None:
    p.add_argument("--out", type=Path, default=None, help="directory to write results into")
    p.add_argument("--csv", type=Path, default=None, help="also write the table to this CSV file")
    p.add_argument("--quiet", action="store_true", help="do not print the table")
    p.set_defaults(_default_name=default_name)


def add_seed_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="seed for every random choice (default 0)")


def add_parallel_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=int, default=1, help="local worker processes (default 1: in-process)")
    p.add_argument("--scheduler", default=None, help="Dask distributed scheduler address (needs nvmsim[dask])")


def emit(df: pd.DataFrame, args: argparse.Namespace, name: str | None = None, columns=None) -> None:
    """Print ``df`` (or the chosen ``columns``) and write it where the options say."""
    if not getattr(args, "quiet", False):
        shown = df[columns] if columns is not None else df
        print(format_table(shown))
    name = name or getattr(args, "_default_name", None)
    out = getattr(args, "out", None)
    if out is not None and name:
        write_table(df, Path(out) / f"{name}.csv")
    csv = getattr(args, "csv", None)
    if csv is not None:
        write_table(df, csv)
