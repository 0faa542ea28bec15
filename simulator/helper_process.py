"""Start a helper Python process of this checkout beside a command: the figure worker and the kernel warm-up.

Both run on the machine's other core while the command works, both are off with their own variable, and neither
can gain on a single CPU; this module says whether one may start and starts it (``python -m MODULE`` with this
checkout first on ``PYTHONPATH``, so that the helper imports the same nvmsim as the command, installed or not).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]


def helper_allowed(variable: str, force: bool = False) -> bool:
    """Whether a helper turned off by ``variable=0`` may start: not turned off, and (unless ``force``) at least
    two CPUs to run it beside the command."""
    if os.environ.get(variable, "1") in ("", "0"):
        return False
    return force or (os.cpu_count() or 1) >= 2


def start_helper(module: str, *, stdout=subprocess.DEVNULL) -> subprocess.Popen | None:
    """``python -m module`` with a pipe on its stdin (and ``stdout`` as given); None where it cannot start."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    try:
        return subprocess.Popen([sys.executable, "-m", module], stdin=subprocess.PIPE, stdout=stdout,
                                stderr=subprocess.DEVNULL, env=env)
    except OSError:
        return None
