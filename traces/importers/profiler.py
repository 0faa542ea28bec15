"""Per-kernel L2 and DRAM counts measured on a real GPU: Nsight Compute and nvprof CSV exports.

This is DeepNVM++'s iso-capacity path (§III-C): nvprof on a GTX 1080 Ti gave
L2 and DRAM read/write transactions per kernel, which the energy models
multiply by per-access energies in place of simulated counts.

Output: one row per kernel launch (nvprof ``--print-gpu-trace``, ncu) or per
kernel name (nvprof summary), with columns ``id, kernel, invocations,
l2_read_sectors, l2_write_sectors, dram_read_sectors, dram_write_sectors``.
Counts are in 32 B sectors; a count the file does not hold is NaN.

Metric sources (``reference``: NVIDIA's nvprof metric comparison table in the
Nsight Compute CLI manual; nvprof ``--query-metrics`` descriptions):

- nvprof ``l2_read_transactions`` etc. are 32 B transactions = sectors;
  ``dram_read_bytes`` / ``dram_write_bytes`` are bytes (/32).
- ncu ``lts__t_sectors_op_read.sum`` / ``_op_write.sum`` are sectors; nvprof's
  ``l2_read_transactions`` equals ``op_read + op_atom + op_red``, so atomics and
  reductions are added when the file has them. ``dram__sectors_read.sum`` /
  ``dram__sectors_write.sum`` are sectors; ``dram__bytes_read.sum`` /
  ``dram__bytes_write.sum`` (with their byte/Kbyte/Mbyte/Gbyte unit) are a
  fallback. Pre-2020 ncu on Pascal used ``dram__read_sectors``,
  ``dram__write_sectors``, ``lts__request_tex_read_sectors``,
  ``lts__request_tex_write_sectors``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import FileFormatError

SECTOR_COLUMNS = ["l2_read_sectors", "l2_write_sectors", "dram_read_sectors", "dram_write_sectors"]
COLUMNS = ["id", "kernel", "invocations", *SECTOR_COLUMNS]

SECTOR_B = 32

# Each output column: alternatives tried in order; each alternative is a list of
# (metric, scale to sectors for a bare number) summed when the first is present.
_NCU = {
    "l2_read_sectors": [[("lts__t_sectors_op_read.sum", 1), ("lts__t_sectors_op_atom.sum", 1),
                         ("lts__t_sectors_op_red.sum", 1)], [("lts__request_tex_read_sectors", 1)]],
    "l2_write_sectors": [[("lts__t_sectors_op_write.sum", 1), ("lts__t_sectors_op_atom.sum", 1),
                          ("lts__t_sectors_op_red.sum", 1)], [("lts__request_tex_write_sectors", 1)]],
    "dram_read_sectors": [[("dram__sectors_read.sum", 1)], [("dram__read_sectors", 1)],
                          [("dram__bytes_read.sum", 1 / SECTOR_B)], [("dram__read_bytes", 1 / SECTOR_B)]],
    "dram_write_sectors": [[("dram__sectors_write.sum", 1)], [("dram__write_sectors", 1)],
                           [("dram__bytes_write.sum", 1 / SECTOR_B)], [("dram__write_bytes", 1 / SECTOR_B)]],
}
_NVPROF = {
    "l2_read_sectors": [[("l2_read_transactions", 1)]],
    "l2_write_sectors": [[("l2_write_transactions", 1)]],
    "dram_read_sectors": [[("dram_read_transactions", 1)], [("dram_read_bytes", 1 / SECTOR_B)]],
    "dram_write_sectors": [[("dram_write_transactions", 1)], [("dram_write_bytes", 1 / SECTOR_B)]],
}

_UNIT_SCALE = {
    "": 1, "sector": 1, "sectors": 1, "byte": 1, "bytes": 1, "b": 1, "kbyte": 1e3, "kb": 1e3, "mbyte": 1e6,
    "mb": 1e6, "gbyte": 1e9, "gb": 1e9, "kib": 1024, "mib": 1 << 20, "gib": 1 << 30,
}
_NUM = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
#: What profilers print for a metric they did not collect: the count is absent (NaN), not zero.
_ABSENT = {"", "n/a", "na", "-", "--", "none", "(none)"}


def _number(text) -> float:
    """A profiler value: thousands separators stripped; ``n/a``, empty or non-numeric text -> NaN.

    Lenient, for columns that are not counts (launch ids); a count goes through :func:`_count`.
    """
    s = _clean(text)
    if _NUM.match(s):
        return float(s)
    return math.nan


def _clean(text) -> str:
    return str(text).strip().replace(",", "").replace("\u202f", "").replace("'", "")


def _count(text, where: str, path: Path) -> float:
    """A measured count: a finite number >= 0, or NaN where the profiler printed none (``n/a``, empty).

    Anything else (text, ``nan``, ``inf``, a negative number) is impossible for a count and an error naming the
    row and the metric: a measurement is imported exactly or refused, never turned into 0.
    """
    s = _clean(text)
    if s.lower() in _ABSENT:
        return math.nan
    if not _NUM.match(s):
        raise FileFormatError(path, f"{where}: not a count: {str(text).strip()!r}")
    v = float(s)
    if not math.isfinite(v) or v < 0:
        raise FileFormatError(path, f"{where}: impossible count {str(text).strip()!r} (must be finite and >= 0)")
    return v


def _csv_rows(path: Path) -> list[list[str]]:
    """The CSV records of a profiler log, skipping ``==PID==``/``==PROF==`` chatter and blank lines."""
    try:
        text = path.read_text(errors="replace")
    except OSError as e:
        raise FileFormatError(path, f"cannot read: {e.strerror or e}") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("==")]
    try:
        return [r for r in csv.reader(io.StringIO("\n".join(lines))) if r]
    except csv.Error as e:
        raise FileFormatError(path, f"malformed CSV: {e}") from None


def _find_header(path: Path, rows, required: tuple[str, ...], what: str) -> int:
    for i, r in enumerate(rows):
        if all(c in r for c in required):
            return i
    raise FileFormatError(path, f"no {what} header row with columns {list(required)}")


def _resolve(metrics: dict[str, tuple[str, str]], table, where: str, path: Path) -> dict[str, float]:
    """Output counts from one kernel's {metric: (text, unit)}; only the metrics used are parsed (strictly)."""
    out = {}
    for col, alternatives in table.items():
        val = math.nan
        for alt in alternatives:
            first = alt[0][0]
            if first not in metrics:
                continue
            v0 = _count(metrics[first][0], f"{where}, metric {first}", path)
            if math.isnan(v0):
                continue
            val = 0.0
            for name, scale in alt:
                if name not in metrics:
                    continue
                v = _count(metrics[name][0], f"{where}, metric {name}", path)
                if math.isnan(v):
                    continue
                unit = metrics[name][1].strip().lower()
                if scale != 1:  # a byte metric: apply its unit, then bytes -> sectors
                    if unit not in _UNIT_SCALE:
                        raise FileFormatError(path, f"{where}, metric {name}: unknown unit {metrics[name][1]!r}")
                    v *= _UNIT_SCALE[unit]
                val += v * scale
            break
        out[col] = val
    return out


def _frame(records, path: Path) -> pd.DataFrame:
    if not records:
        raise FileFormatError(path, "no kernel rows")
    df = pd.DataFrame(records, columns=COLUMNS)
    df["invocations"] = df["invocations"].astype(np.int64)
    for c in SECTOR_COLUMNS:
        df[c] = df[c].astype(float)
    if df[SECTOR_COLUMNS].isna().all().all():
        raise FileFormatError(path, "no L2 or DRAM sector count in any kernel row (profile with the L2/DRAM metrics "
                                    "the importer reads: see traces.importers.profiler)")
    return df


def _check_rows(path: Path, header, rows):
    for j, r in enumerate(rows):
        if len(r) != len(header):
            raise FileFormatError(path, f"data row {j + 1} has {len(r)} fields, header has {len(header)}")


def read_ncu_csv(path) -> pd.DataFrame:
    """Per-launch L2/DRAM sector counts from an Nsight Compute ``--csv`` export.

    Handles the default long format (one row per kernel and metric, columns
    ``Metric Name``, ``Metric Unit``, ``Metric Value``) and ``--page raw``
    (one row per kernel, metric columns, a units row under the header).

    Parameters
    ----------
    path : str or Path
        The CSV (``ncu --csv --log-file``, or stdout with ``==PROF==`` lines).

    Returns
    -------
    DataFrame
        ``id, kernel, invocations, l2_read_sectors, l2_write_sectors,
        dram_read_sectors, dram_write_sectors`` (32 B sectors; NaN = absent).
    """
    path = Path(path)
    rows = _csv_rows(path)
    if not rows:
        raise FileFormatError(path, "empty file (no CSV rows)")
    long_fmt = any("Metric Name" in r for r in rows[:50])
    if long_fmt and not any("Metric Name" in r and "Metric Value" in r for r in rows[:50]):
        raise FileFormatError(path, "a long-format ncu export (a 'Metric Name' column) without its 'Metric Value' "
                                    "column")
    if long_fmt:
        h = _find_header(path, rows, ("Kernel Name", "Metric Name", "Metric Value"), "ncu")
        header, body = rows[h], rows[h + 1 :]
        _check_rows(path, header, body)
        ix = {c: header.index(c) for c in header}
        per: dict[tuple, dict] = {}
        names: dict[tuple, str] = {}
        for r in body:
            key = (r[ix["ID"]] if "ID" in ix else "", r[ix["Kernel Name"]])
            if key not in per:
                per[key] = {}
                names[key] = r[ix["Kernel Name"]]
            unit = r[ix["Metric Unit"]] if "Metric Unit" in ix else ""
            per[key][r[ix["Metric Name"]]] = (r[ix["Metric Value"]], unit)
        records = []
        for n, (key, metrics) in enumerate(per.items()):
            counts = _resolve(metrics, _NCU, f"kernel {names[key]!r} (id {key[0] or n})", path)
            records.append([_launch_id(key[0], n), names[key], 1, *(counts[c] for c in SECTOR_COLUMNS)])
        return _frame(records, path)
    h = _find_header(path, rows, ("Kernel Name",), "ncu --page raw")
    header, body = rows[h], rows[h + 1 :]
    _check_rows(path, header, body)
    units = [""] * len(header)
    id_col = header.index("ID") if "ID" in header else None
    if body and (id_col is not None and body[0][id_col] == "" or body[0][header.index("Kernel Name")] == ""):
        units, body = body[0], body[1:]
    records = []
    kcol = header.index("Kernel Name")
    for n, r in enumerate(body):
        metrics = {header[j]: (r[j], units[j]) for j in range(len(header))}
        counts = _resolve(metrics, _NCU, f"data row {n + 1} (kernel {r[kcol]!r})", path)
        records.append([_launch_id(r[id_col] if id_col is not None else "", n), r[kcol], 1,
                        *(counts[c] for c in SECTOR_COLUMNS)])
    return _frame(records, path)


def _launch_id(text, fallback: int) -> int:
    v = _number(text)
    return int(v) if not math.isnan(v) else fallback


def read_nvprof_csv(path) -> pd.DataFrame:
    """Per-kernel L2/DRAM sector counts from an nvprof ``--csv`` export.

    Handles the summary mode (``--metrics``: one row per kernel name and
    metric with ``Invocations``, ``Min``, ``Max``, ``Avg``; counts are
    ``Avg x Invocations``, the kernel's total) and the per-launch mode
    (``--print-gpu-trace --metrics``: one row per launch, metric columns, a
    units row). ``==PID==`` banner lines are skipped; ``[CUDA memcpy ...]``
    rows are not kernels and are dropped.

    Returns
    -------
    DataFrame
        ``id, kernel, invocations, l2_read_sectors, l2_write_sectors,
        dram_read_sectors, dram_write_sectors`` (32 B sectors; NaN = absent).
    """
    path = Path(path)
    rows = _csv_rows(path)
    if not rows:
        raise FileFormatError(path, "empty file (no CSV rows)")
    summary = any("Metric Name" in r and "Avg" in r for r in rows[:50])
    if summary:
        h = _find_header(path, rows, ("Kernel", "Metric Name", "Avg"), "nvprof summary")
        header, body = rows[h], rows[h + 1 :]
        _check_rows(path, header, body)
        ix = {c: header.index(c) for c in header}
        per: dict[tuple, dict] = {}
        inv: dict[tuple, int] = {}
        for r in body:
            key = (r[ix["Device"]] if "Device" in ix else "", r[ix["Kernel"]])
            per.setdefault(key, {})[r[ix["Metric Name"]]] = (r[ix["Avg"]], "")
            where = f"kernel {key[1]!r}, Invocations"
            n_inv = _count(r[ix["Invocations"]], where, path) if "Invocations" in ix else 1.0
            if math.isnan(n_inv) or n_inv < 1 or not n_inv.is_integer():
                raise FileFormatError(path, f"{where}: must be a whole number >= 1, got {r[ix['Invocations']]!r}")
            inv[key] = int(n_inv)
        records = []
        for n, (key, metrics) in enumerate(per.items()):
            counts = _resolve(metrics, _NVPROF, f"kernel {key[1]!r}", path)
            records.append([n, key[1], inv[key], *(counts[c] * inv[key] for c in SECTOR_COLUMNS)])
        return _frame(records, path)
    h = _find_header(path, rows, ("Kernel",), "nvprof --print-gpu-trace")
    header, body = rows[h], rows[h + 1 :]
    kcol = header.index("Kernel")
    if not any(m in header for alts in _NVPROF.values() for alt in alts for m, _ in alt):
        raise FileFormatError(path, "no L2 or DRAM transaction metric columns (profile with --metrics "
                                    "l2_read_transactions,l2_write_transactions,dram_read_transactions,"
                                    "dram_write_transactions)")
    _check_rows(path, header, body)
    units = [""] * len(header)
    if body and body[0][kcol] == "":
        units, body = body[0], body[1:]
    cid = header.index("Correlation_ID") if "Correlation_ID" in header else None
    records = []
    for n, r in enumerate(body):
        if r[kcol].startswith("[CUDA"):
            continue
        metrics = {header[j]: (r[j], units[j]) for j in range(len(header))}
        counts = _resolve(metrics, _NVPROF, f"data row {n + 1} (kernel {r[kcol]!r})", path)
        records.append([_launch_id(r[cid] if cid is not None else "", n), r[kcol], 1,
                        *(counts[c] for c in SECTOR_COLUMNS)])
    return _frame(records, path)
