"""One progress bar for every long loop, off when output is not a terminal or when asked."""

from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm


def progress(iterable=None, *, total=None, desc: str = "", enabled: bool | None = None, unit: str = "it"):
    """Wrap ``iterable`` in a tqdm bar on stderr; disabled under ``NVMSIM_NO_PROGRESS=1`` or a non-TTY."""
    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("NVMSIM_NO_PROGRESS")
    return tqdm(iterable, total=total, desc=desc, disable=not enabled, unit=unit, leave=False, file=sys.stderr)
