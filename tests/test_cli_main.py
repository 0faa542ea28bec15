"""The CLI shell: version, help, and one-line errors without tracebacks."""

import subprocess
import sys
from pathlib import Path

import pytest

from models.errors import ConfigError
from simulator.cli import main
from simulator.cli._common import parse_float_list

ROOT = Path(__file__).resolve().parents[1]


def test_version_prints_and_exits_zero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    from importlib.metadata import version

    assert capsys.readouterr().out == f"nvmsim {version('nvmsim')}\n"


def test_building_the_parser_loads_no_package_metadata():
    """The version is looked up by --version only (importlib.metadata costs every command about 50 ms)."""
    code = ("import sys; from simulator.cli import build_parser; build_parser(); "
            "print('importlib.metadata' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_unknown_verb_is_rejected(capsys):
    assert main(["no-such-verb"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nvmsim: error: argument COMMAND: invalid choice: 'no-such-verb'") and err.count("\n") == 1


def test_float_list_names_the_option():
    assert parse_float_list("3,6, 12,24", "--l2") == [3, 6, 12, 24]
    with pytest.raises(ConfigError, match="--l2"):
        parse_float_list("3,x", "--l2")


def test_installed_script_runs():
    out = subprocess.run([sys.executable, "-m", "simulator.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "nvmsim" in out.stdout


def test_ruff_clean():
    ruff = pytest.importorskip("ruff")
    del ruff
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "."], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_building_the_parser_imports_no_numerical_library():
    # every nvmsim call builds the whole parser; `nvmsim --help` must not pay for pandas, numba or matplotlib
    # (verb handlers import what they run)
    code = ("import sys, simulator.cli; simulator.cli.build_parser(); "
            "print(sorted(m for m in ('numpy', 'pandas', 'numba', 'matplotlib', 'simpy', 'pyarrow', 'scipy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
