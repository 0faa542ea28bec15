"""Options and output handling shared by every verb, defined once.

Every number a user types goes through :mod:`models.config` (``parse_number``, ``number_list``, ``size_MB``), the
same checks the API applies: finite, in range, with its unit in the message.  Scalar options are checked by
argparse (``type=number(...)``), so ``--node nan`` is refused as ``argument --node: must be a finite number (nm),
got nan``; comma lists by :func:`parse_float_list` in the verb, naming the option.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from models.config import number_list, parse_number, size_MB
from models.errors import ConfigError
from simulator.output import format_table, write_table

if TYPE_CHECKING:  # annotations only: importing pandas costs ~0.7 s that `nvmsim --help` should not pay
    import pandas as pd

#: Local worker processes are refused above this multiple of the machine's cores: more only adds memory.
MAX_WORKERS_PER_CORE = 4


def number(*, integer: bool = False, minimum: float | None = None, maximum: float | None = None,
           positive: bool = False, allow_zero: bool = False, unit: str = ""):
    """An argparse ``type`` checking one number as :func:`models.config.parse_number` does."""

    def parse(text: str):
        try:
            return parse_number(text, "", integer=integer, minimum=minimum, maximum=maximum, positive=positive,
                                allow_zero=allow_zero, unit=unit)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(exc.reason) from None

    parse.__name__ = "integer" if integer else "number"
    return parse


positive_int = number(integer=True, positive=True)
non_negative_int = number(integer=True, allow_zero=True)


def size(bare_unit: str | None = "MB"):
    """An argparse ``type`` for a memory size (``3MB``, ``512KB``), in MB; bare numbers in ``bare_unit`` or,
    with ``None``, refused."""

    def parse(text: str) -> float:
        try:
            return size_MB(text, "", bare_unit=bare_unit)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(exc.reason) from None

    parse.__name__ = "size"
    return parse


def sampling(text: str) -> int:
    """An argparse ``type`` for ``--sample-sets``: ``1/K`` (or ``K``), one L2 set in K simulated; returns K."""
    body = text.strip()
    num, sep, den = body.partition("/")
    if sep and num.strip() != "1":
        raise argparse.ArgumentTypeError(f"must be 1/K (one set in K), got {text!r}")
    try:
        return int(parse_number(den if sep else body, "", integer=True, minimum=1))
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(f"must be 1/K, K a positive integer ({exc.reason}), got {text!r}") from None


def add_sampling_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sample-sets", type=sampling, default=1, metavar="1/K",
                   help="simulate one L2 set in K (a fixed seeded subset) and scale: for workloads too large to run "
                        "whole; rows then carry sample_sets and dram_accesses_rse, the estimated relative standard "
                        "error of DRAM accesses (fast mode; default 1/1, every set)")


def parse_float_list(text, field: str, *, integer: bool = False, minimum: float | None = None,
                     maximum: float | None = None, positive: bool = False, allow_zero: bool = False,
                     unit: str = "", sizes: bool = False) -> list:
    """``"3,6,12,24"`` → ``[3.0, 6.0, 12.0, 24.0]``, every item checked; an error names the option and item."""
    return number_list(text, field, integer=integer, minimum=minimum, maximum=maximum, positive=positive,
                       allow_zero=allow_zero, unit=unit, sizes=sizes)


def parse_str_list(text: str, field: str | None = None) -> list[str]:
    """``"sram,stt"`` → ``["sram", "stt"]``; with ``field``, an empty item or an empty list is an error."""
    items = [x.strip() for x in text.split(",")]
    if field is not None:
        if not any(items):
            raise ConfigError(field, "must not be empty")
        if not all(items):
            raise ConfigError(field, f"item {items.index('') + 1} is empty (in {text!r})")
        if len(set(items)) != len(items):
            dup = next(x for x in items if items.count(x) > 1)
            raise ConfigError(field, f"names {dup!r} twice (in {text!r})")
    return [x for x in items if x]


def output_dir(text: str) -> Path:
    """``--out DIR``: a directory, or a path that does not exist yet (made when results are written)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is an existing file, not a directory")
    return path


def output_file(text: str) -> Path:
    """``--csv FILE`` and friends: a file path, not an existing directory."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; give a file name")
    if path.parent.exists() and not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{str(path.parent)!r} is a file, not a directory")
    return path


def add_output_options(p: argparse.ArgumentParser, default_name: str | None = None) -> None:
    p.add_argument("--out", type=output_dir, default=None, help="directory to write results into")
    p.add_argument("--csv", type=output_file, default=None, help="also write the table to this CSV file")
    p.add_argument("--quiet", action="store_true", help="do not print the table")
    p.set_defaults(_default_name=default_name)


def add_seed_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed for every random choice (default 0)")


def workers_option(text: str) -> int | str:
    """``--workers``: ``auto`` (what helps on this machine, :func:`simulator.studies.runner.auto_workers`) or a
    positive count, at most :data:`MAX_WORKERS_PER_CORE` per core."""
    if text.strip().lower() == "auto":
        return "auto"
    try:
        n = parse_number(text, "", integer=True, positive=True)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(f"{exc.reason} (or auto)") from None
    cores = os.cpu_count() or 1
    if n > MAX_WORKERS_PER_CORE * cores:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_WORKERS_PER_CORE * cores} "
                                         f"({MAX_WORKERS_PER_CORE} per core on this {cores}-core machine), got {n}")
    return n


_ADDRESS = re.compile(r"(?:(tcp|tls|ucx|ws|wss|inproc)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)"
                      r":([0-9]{1,5})")


def scheduler_address(text: str) -> str:
    """``--scheduler``: a Dask scheduler address, ``tcp://host:8786`` or ``host:8786``."""
    m = _ADDRESS.fullmatch(text.strip())
    if not m or not 0 < int(m.group(3)) < 65536:
        raise argparse.ArgumentTypeError(f"must be a Dask scheduler address such as tcp://host:8786, got {text!r}")
    return text.strip()


def add_parallel_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workers", type=workers_option, default="auto",
                   help="local worker processes, or auto (default: in-process where processes do not help, "
                        "see benchmarks/RESULTS.md)")
    p.add_argument("--scheduler", type=scheduler_address, default=None,
                   help="Dask distributed scheduler address, e.g. tcp://host:8786 (needs nvmsim[dask])")


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
