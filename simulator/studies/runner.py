"""Run a grid of independent study points: stored per point, resumable, local or distributed.

Each point is a typed object whose ``config()`` is a plain JSON-able dict
(chip, network, phase, batch, capacity, ...; e.g.
:class:`simulator.studies.gpu_counts.GpuPoint`). Its key is a hash of that
dict plus the code version, so a result is reused only when everything that
produced it is the same. The parent
process writes every finished point atomically (temporary file, then
rename) as ``<store>/<key>.parquet`` with its configuration beside it as
``<key>.json``; a killed sweep, rerun, computes only the missing points. When
a store is used the final table is always read back from the store, so a
resumed sweep ends byte-for-byte equal to an uninterrupted one.

Execution backends:

* in-process (default) — points sharing a ``group`` run as one task, so a
  single trace pass feeds all L2 capacities;
* ``workers=N`` — a local process pool, one point per task;
* ``scheduler=ADDRESS`` (or a ``dask.distributed.Client``) — a Dask cluster;
  workers only compute, the client writes the store, so no shared disk is
  needed.

``compute`` must be a module-level function (picklable) taking a list of
points and returning one DataFrame per point, in order.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib.metadata import version
from pathlib import Path
from typing import Protocol

import pandas as pd

from models.energy import ENERGY_MODEL_VERSION
from models.errors import ConfigError
from simulator.output import atomic_write, write_table
from simulator.progress import progress

#: Version of the study code; bump when a change alters any stored result.
STUDIES_VERSION = "studies-1"

class Point(Protocol):
    """A grid point: anything whose full configuration is plain data."""

    def config(self) -> dict: ...


Compute = Callable[[list], list[pd.DataFrame]]


#: Source that shapes a stored point (simulator core, chip presets, trace generator, networks): its hash is part
#: of the code version, so editing any of it invalidates stored points instead of silently reusing them.
FINGERPRINT_PATHS = ("simulator/gpu", "models/tech_row.py",
                     "traces", "workloads")


@functools.lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """Hash of the source files in :data:`FINGERPRINT_PATHS` (12 hex chars)."""
    root = Path(__file__).resolve().parents[2]
    h = hashlib.sha256()
    for rel in FINGERPRINT_PATHS:
        base = root / rel
        files = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
        for f in files:
            if f.is_file() and f.suffix in (".py", ".toml"):
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:12]


def code_version() -> str:
    """Version string of everything that shapes a point's result (package, studies, energy model, source)."""

    try:
        pkg = version("nvmsim")
    except Exception:  # pragma: no cover - source tree without install
        pkg = "0"
    return f"nvmsim-{pkg}/{STUDIES_VERSION}/{ENERGY_MODEL_VERSION}/src-{source_fingerprint()}"


def _canonical(value):
    """Numbers as floats (3 and 3.0 hash alike), dict keys sorted, tuples as lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _canonical(value.item())
    return str(value)


def point_key(config: dict, version: str | None = None) -> str:
    """Stable hash of a point's full configuration and the code version (hex, 24 chars)."""
    payload = {"config": _canonical(config), "version": version or code_version()}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _store_path(store: Path, key: str) -> Path:
    return store / f"{key}.parquet"


def _save(store: Path, key: str, config: dict, df: pd.DataFrame) -> None:
    meta = json.dumps({"key": key, "version": code_version(), "config": _canonical(config)}, indent=1)
    atomic_write(store / f"{key}.json", lambda p: p.write_text(meta))
    write_table(df, _store_path(store, key))


def _bucket(missing: list[int], points: Sequence[Point], group: Callable[[Point], Hashable] | None
            ) -> list[list[int]]:
    if group is None:
        return [[i] for i in missing]
    buckets: dict[Hashable, list[int]] = {}
    for i in missing:
        buckets.setdefault(group(points[i]), []).append(i)
    return list(buckets.values())


def _tasks(missing, points, group, fine_group, parallel: int) -> list[list[int]]:
    """Points batched into tasks: by ``group``; with ``parallel`` workers and fewer groups than workers, by
    ``fine_group`` (or one point per task) so that every worker has something to do."""
    tasks = _bucket(missing, points, group)
    if parallel > 1 and len(tasks) < parallel:
        tasks = _bucket(missing, points, fine_group)
    return tasks


def _connect(scheduler):
    try:
        from dask.distributed import Client  # the optional extra nvmsim[dask], needed only here
    except ImportError:  # pragma: no cover - optional extra
        raise ConfigError("scheduler", "Dask distributed is not installed; pip install 'nvmsim[dask]'") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout="20s"), True
    except OSError as exc:
        raise ConfigError("scheduler", f"cannot reach Dask scheduler {scheduler!r}: {exc}") from None


def run_grid(
    points: Sequence[Point],
    compute: Compute,
    *,
    store: str | Path | None = None,
    workers: int = 1,
    scheduler=None,
    group: Callable[[Point], Hashable] | None = None,
    fine_group: Callable[[Point], Hashable] | None = None,
    desc: str = "sweep",
) -> pd.DataFrame:
    """Compute every point not yet in ``store`` and return all points' rows, in point order.

    Parameters
    ----------
    points : sequence of Point
        The grid; each point's ``config()`` fully describes it.
    compute : callable
        Module-level ``compute(list_of_points) -> list_of_DataFrames``.
    store : path, optional
        Directory of per-point results; without it nothing is kept.
    workers : int
        Local processes (1 = in-process).
    scheduler : str or dask.distributed.Client, optional
        Dask scheduler address; takes precedence over ``workers``.
    group : callable, optional
        Points with equal (hashable) ``group(point)`` run as one task (e.g. one trace pass for all capacities).
    fine_group : callable, optional
        A finer batching used when there are fewer groups than parallel workers (default: one point per task).
    desc : str
        Progress-bar label.
    """
    if workers < 1:
        raise ConfigError("workers", f"must be at least 1, got {workers}")
    points = list(points)
    keys = [point_key(p.config()) for p in points]
    if len(set(keys)) != len(keys):
        raise ConfigError("points", "the grid contains duplicate points")
    store_dir = Path(store) if store is not None else None
    if store_dir is not None:
        store_dir.mkdir(parents=True, exist_ok=True)
    results: dict[int, pd.DataFrame] = {}
    missing = [i for i, k in enumerate(keys) if store_dir is None or not _store_path(store_dir, k).exists()]
    if scheduler is not None:
        parallel = max(2, workers)
    else:
        parallel = workers
    tasks = _tasks(missing, points, group, fine_group, parallel)

    def finish(task: list[int], dfs: list[pd.DataFrame]) -> None:
        if len(dfs) != len(task):
            raise RuntimeError(f"compute returned {len(dfs)} tables for {len(task)} points")
        for i, df in zip(task, dfs, strict=True):
            if store_dir is not None:
                _save(store_dir, keys[i], points[i].config(), df)
            else:
                results[i] = df

    errors: list[BaseException] = []

    def collect(task: list[int], fut) -> None:
        # a failed task does not stop the others: their results are still stored, then the first error is raised
        try:
            dfs = fut.result()
        except Exception as exc:  # noqa: BLE001 - re-raised below, after the other tasks are saved
            errors.append(exc)
            return
        finish(task, dfs)
        bar.update(len(task))

    bar = progress(total=len(missing), desc=desc, unit="pt")
    try:
        if scheduler is not None:
            client, owned = _connect(scheduler)
            try:
                from dask.distributed import as_completed as dask_completed  # nvmsim[dask]

                futures = {client.submit(compute, [points[i] for i in t], pure=False): t for t in tasks}
                for fut in dask_completed(futures):
                    collect(futures[fut], fut)
            finally:
                if owned:
                    client.close()
        elif workers > 1:
            with ProcessPoolExecutor(max_workers=min(workers, max(1, len(tasks)))) as pool:
                futures = {pool.submit(compute, [points[i] for i in t]): t for t in tasks}
                for fut in as_completed(futures):
                    collect(futures[fut], fut)
        else:
            for task in tasks:
                finish(task, compute([points[i] for i in task]))
                bar.update(len(task))
    finally:
        bar.close()
    if errors:
        raise errors[0]

    if store_dir is not None:
        frames = [pd.read_parquet(_store_path(store_dir, k)) for k in keys]
    else:
        frames = [results[i] for i in range(len(points))]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def stored_points(store: str | Path) -> list[str]:
    """Keys of the points present in ``store`` (for inspection and tests)."""
    store = Path(store)
    if not store.exists():
        return []
    return sorted(p.stem for p in store.glob("*.parquet") if not p.name.startswith("."))
