"""One progress bar for every long loop, off when output is not a terminal or when asked."""

from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm


def progress(iterable=None, *, total=None, desc: str = "", enabled: bool | None = None, unit: str = "it",
             unit_scale: bool = False):
    """Wrap ``iterable`` in a tqdm bar on stderr; disabled under ``NVMSIM_NO_PROGRESS=1`` or a non-TTY.

    ``total`` is in ``unit`` (what each step counts) and is never guessed from ``len(iterable)``: a trace's
    length is in requests while iterating it yields chunks, and a total in the wrong unit shows a false ETA.
    Without ``total`` the bar shows the count and the rate only.
    """
    if enabled is None:
        enabled = enabled_by_default()
    if iterable is not None and total is None:
        iterable = iter(iterable)  # an iterator has no len(): tqdm shows no total rather than a wrong one
    return tqdm(iterable, total=total, desc=desc, disable=not enabled, unit=unit, unit_scale=unit_scale,
                leave=False, file=sys.stderr, dynamic_ncols=True)


def enabled_by_default() -> bool:
    """Bars are drawn on a terminal, unless ``NVMSIM_NO_PROGRESS`` is set."""
    return sys.stderr.isatty() and not os.environ.get("NVMSIM_NO_PROGRESS")
