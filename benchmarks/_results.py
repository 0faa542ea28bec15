"""Write one benchmark's section of ``benchmarks/RESULTS.md`` without touching the others.

Each benchmark owns the text between ``<!-- begin NAME -->`` and
``<!-- end NAME -->``; rerunning a benchmark replaces only its own section.
"""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
HEADER = "# nvmsim benchmark results\n\nEach section is written by the benchmark it names; rerun it to refresh.\n"


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(name: str, markdown: str, path: Path = RESULTS) -> None:
    """Replace (or append) section ``name`` with ``markdown``, stamped with date and machine."""
    stamp = f"_Measured {time.strftime('%Y-%m-%d')} on {machine()}._\n\n"
    block = f"<!-- begin {name} -->\n{stamp}{markdown.strip()}\n<!-- end {name} -->"
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(rf"<!-- begin {re.escape(name)} -->.*?<!-- end {re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
