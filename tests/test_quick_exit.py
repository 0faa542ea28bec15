"""simulator.quick_exit: the command and its helpers leave without the interpreter's teardown, yet as a normal exit
does for everything a user can see (exit status, exit handlers, buffered output)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import atexit, sys
from simulator.quick_exit import exit_now

class Marker:
    def __init__(self, path):
        self.path, self.open = path, open  # the teardown may have cleared sys and the builtins before __del__

    def __del__(self):  # runs only in the interpreter's teardown of this module
        with self.open(self.path, "w") as f:
            f.write("torn down")

keep = Marker(sys.argv[2])
atexit.register(lambda: open(sys.argv[1], "w").write("handler ran"))
sys.stdout.write("buffered, no newline")
sys.stderr.write("err, no newline")
exit_now(3)
print("never")
"""


def _run(tmp_path, full_exit: str | None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("NVMSIM_FULL_EXIT", None)
    if full_exit is not None:
        env["NVMSIM_FULL_EXIT"] = full_exit
    handler, teardown = tmp_path / "handler", tmp_path / "teardown"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(handler), str(teardown)], capture_output=True, text=True,
                          env=env, timeout=60)
    return proc, handler, teardown


@pytest.mark.parametrize("full_exit", [None, "0", ""])
def test_exit_now_keeps_status_handlers_and_output_and_skips_the_teardown(tmp_path, full_exit):
    proc, handler, teardown = _run(tmp_path, full_exit)
    assert proc.returncode == 3
    assert proc.stdout == "buffered, no newline" and proc.stderr == "err, no newline"
    assert handler.read_text() == "handler ran"
    assert not teardown.exists()  # the module's objects were never torn down


def test_full_exit_variable_tears_down_as_usual(tmp_path):
    proc, handler, teardown = _run(tmp_path, "1")
    assert proc.returncode == 3 and proc.stdout == "buffered, no newline"
    assert handler.read_text() == "handler ran" and teardown.read_text() == "torn down"


@pytest.mark.parametrize("module", ["simulator.studies.figure_worker", "simulator.gpu.warmup", "simulator.cli"])
def test_command_and_helpers_leave_through_exit_now(module):
    """The nvmsim command and both helpers end through exit_now (a caller waits for a helper's end)."""
    path = ROOT.joinpath(*module.split("."))
    source = (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text()
    assert "exit_now(" in source
