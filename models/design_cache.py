"""The circuit model's design searches kept on disk, so that a command asking again for a design it (or an earlier
command) searched reads it instead of searching again.

Why: one search (every organisation of the data and tag arrays, in every access type) takes about 45 ms, and a
study's technology table is one search per (technology, capacity): the main job's 3 x 4 table was 0.5-0.7 s of its
2-4 s warm run, computed again by every run with the same inputs.  An entry is the search's result -- each target's
design in each access type, and the number of organisations evaluated -- as JSON (floats written exactly), under a
hash of everything the search depends on: its arguments (the cell's every field, the technology node, the
geometry, the calibration's every constant) and the source of the ``models`` package, so that an edit of the
model never reads an old answer.  An entry that cannot be read is searched again and rewritten; where the
directory cannot be written the search result is simply not kept.

Where: ``NVMSIM_CACHE_DIR`` (default ``$XDG_CACHE_HOME/nvmsim``, else ``~/.cache/nvmsim``), in ``designs/``.
``NVMSIM_DESIGN_CACHE=0`` neither reads nor writes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from models.atomic_file import atomic_write
from models.source_digest import source_digest

_MODELS = Path(__file__).resolve().parent
VERSION = 1
"""The entry layout: a change of it (not of the model, which the source hash covers) makes old entries unread."""


def cache_dir() -> Path | None:
    """The directory of the stored searches, or None where the store is off."""
    if os.environ.get("NVMSIM_DESIGN_CACHE", "1") in ("", "0"):
        return None
    root = os.environ.get("NVMSIM_CACHE_DIR")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        try:
            root = Path(xdg) / "nvmsim" if xdg else Path.home() / ".cache" / "nvmsim"
        except RuntimeError:  # no home directory to be found: nothing is kept
            return None
    return Path(root) / "designs"


@lru_cache(maxsize=1)
def models_revision() -> str:
    """A digest of every Python source of the ``models`` package: the circuit model, the cells, the technology
    constants and whatever they use."""
    return source_digest(_MODELS.parent, [_MODELS.name])


def _entry(key: str) -> tuple[Path, str] | None:
    d = cache_dir()
    if d is None:
        return None
    text = f"{VERSION}\n{models_revision()}\n{key}"
    return d / f"{hashlib.sha256(text.encode()).hexdigest()[:32]}.json", text


def load_search(key: str, design_type: type) -> tuple[tuple, int] | None:
    """The stored result of the search named by ``key`` (the repr of all its arguments), its designs rebuilt as
    ``design_type``; None where there is none (or it cannot be read: it is then searched again)."""
    entry = _entry(key)
    if entry is None:
        return None
    path, text = entry
    try:
        data = json.loads(path.read_text())
        if data["key"] != text:  # another search under the same hash prefix: searched again, never mistaken
            return None
        return tuple(design_type(**d) for d in data["designs"]), int(data["candidates"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def store_search(key: str, designs, n_candidates: int) -> None:
    """Keep the result of the search named by ``key``, atomically (a temporary file renamed into place); where
    the directory cannot be written, nothing is kept."""
    entry = _entry(key)
    if entry is None:
        return
    path, text = entry
    data = {"key": text, "candidates": int(n_candidates), "designs": [dataclasses.asdict(d) for d in designs]}
    try:
        atomic_write(path, lambda p: p.write_text(json.dumps(data)))
    except OSError:
        return
