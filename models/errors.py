"""Errors a user can cause, shared by every nvmsim package.

Anything a user controls (configs, cell files, trace files, CLI arguments) is
checked at the boundary and reported as a :class:`NvmsimError` whose message
names the field and the reason; the CLI prints it without a traceback.
"""

from __future__ import annotations


class NvmsimError(ValueError):
    """Base class for errors caused by user input."""


class ConfigError(NvmsimError):
    """A configuration value is missing, unknown or out of range.

    ``field`` is a dotted path such as ``l2.ways``; the message reads
    ``l2.ways: must be positive, got 0``.
    """

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)


class NvmsimWarning(UserWarning):
    """Something the user should know before trusting or waiting for a result (printed on one line by the CLI)."""


class FileFormatError(NvmsimError):
    """A file (trace, cell, profile, NVSim report) is truncated, corrupt or of the wrong version.

    The message reads ``path: reason``, or ``path: line 12: reason`` when ``line``
    (1-based) is given, so one printed line says where to look.
    """

    def __init__(self, path, reason: str, line: int | None = None):
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = f"{path}: line {line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {reason}")
