"""The ``nvmsim`` command: a thin shell over the Python API.

Each module of this package that defines ``register(subparsers)`` adds its
verbs; ``main`` finds them by name, so a new command group is a new file.
Every verb parses its arguments, calls one API function returning a
DataFrame, prints it and writes it. User errors (:class:`models.errors.NvmsimError`)
are printed as one line without a traceback; set ``NVMSIM_DEBUG=1`` to see it.

Verb handlers import the API they call inside the handler, not at the top of
their module: building the parser (every ``nvmsim`` call, ``--help`` included)
then imports no numerical library, and a verb pays only for what it runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from models.errors import NvmsimError


def _version() -> str:
    """The installed distribution's version, asked only by ``--version``: ``importlib.metadata`` takes about 50 ms
    to load and search, which every command would otherwise pay."""
    try:
        from importlib.metadata import version

        return version("nvmsim")
    except Exception:  # noqa: BLE001 - running from a source tree without install
        return "0.1.0"


def __getattr__(name: str):
    if name == "__version__":
        return _version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _command_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{__name__}.{info.name}")


class UsageError(NvmsimError):
    """A command line argparse refuses (an unknown option, a value its ``type`` rejects)."""


class Parser(argparse.ArgumentParser):
    """argparse whose errors reach :func:`main` as :class:`UsageError`, so that they are printed like every other
    nvmsim error, on one line (``nvmsim: error: argument --sms: must be positive, got 0 (see nvmsim simulate
    --help)``), with exit status 2."""

    def error(self, message: str):
        raise UsageError(f"{' '.join(message.split())} (see {self.prog} --help)")  # one line, whatever was typed


class _VersionAction(argparse.Action):
    """``--version``: prints ``nvmsim <version>`` and exits, looking the version up only then."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show the program's version number and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(f"nvmsim {_version()}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="nvmsim",
        description="Simulate SRAM / STT-MRAM / SOT-MRAM on-chip memories under deep-learning workloads.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit status (0 ok, 2 bad input)."""
    parser = build_parser()
    _one_line_warnings()
    try:
        args = parser.parse_args(argv)
        func = getattr(args, "func", None)
        if func is None:
            parser.print_help()
            return 2
        result = func(args)
    except BrokenPipeError:  # `nvmsim ... | head`: the reader has gone, nothing is wrong with the input
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so that the interpreter's final flush stays quiet
        return 0
    except (NvmsimError, OSError) as exc:  # OSError: a path that cannot be read or written, named by the OS
        if os.environ.get("NVMSIM_DEBUG"):
            raise
        print(f"nvmsim: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("nvmsim: interrupted (finished points are kept; rerun to resume)", file=sys.stderr)
        return 130
    return int(result or 0)


def entry() -> None:
    """The ``nvmsim`` command: :func:`main`, then leave without the interpreter's teardown
    (:func:`simulator.quick_exit.exit_now`: the exit handlers run and the streams are flushed, the 0.5-0.7 s of
    module teardown after the main job's files are written is skipped; ``NVMSIM_FULL_EXIT=1`` exits the ordinary
    way)."""
    from simulator.quick_exit import exit_now

    exit_now(main())


def _one_line_warnings() -> None:
    """nvmsim's own warnings as ``nvmsim: warning: ...`` lines on stderr; others as Python prints them."""
    import warnings

    from models.errors import NvmsimWarning

    show = warnings.showwarning
    if getattr(show, "_nvmsim", False):
        return

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, NvmsimWarning):
            print(f"nvmsim: warning: {message}", file=sys.stderr)
        else:
            show(message, category, filename, lineno, file, line)

    showwarning._nvmsim = True
    warnings.showwarning = showwarning


def _one_line(exc: BaseException) -> str:
    """The message of ``exc`` on one line (an OS error names its file and reason)."""
    if isinstance(exc, OSError) and not isinstance(exc, NvmsimError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return " ".join(str(exc).split())

