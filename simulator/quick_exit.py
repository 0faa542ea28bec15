"""Leave a finished nvmsim process without the interpreter's teardown: the ``nvmsim`` command and its helper
processes (figure worker, kernel warm-up).

Why: with numpy, pandas, Numba and matplotlib loaded, tearing down every module, collecting the run's garbage and
running LLVM's destructors takes 0.3-0.7 s on the project's 2-core machine after all the work is done -- a tenth
of the warm main job in the command itself, and again in its figure worker, whose caller waits for the worker's
end.  Nothing on disk depends on it: every file nvmsim writes is closed (and renamed into place) before the work
returns.  The exit handlers still run and the standard streams are flushed, as at a normal exit.
``NVMSIM_FULL_EXIT=1`` exits the ordinary way (to check that nothing depends on the teardown).
"""

from __future__ import annotations

import atexit
import os
import sys


def exit_now(code: int) -> None:
    """Run the exit handlers, flush stdout and stderr, and end the process with ``code`` (never returns)."""
    if os.environ.get("NVMSIM_FULL_EXIT", "0") not in ("", "0"):
        sys.exit(code)
    atexit._run_exitfuncs()  # logging's shutdown, weakref finalizers, concurrent.futures' joins, coverage, ...
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`nvmsim ... | head`) or a closed stream: nothing to keep
            pass
    os._exit(code)
