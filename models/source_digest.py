"""A digest of source files, for whatever must not outlive an edit of the code that made it: stored study points,
the circuit model's stored searches, the kernel warm-up's stamp.

Jitted kernels keep their own (:func:`simulator.gpu.kernels.simd.source_revision`): they may import only numeric
libraries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def source_digest(root: Path, parts: Iterable[str], suffixes: Iterable[str] = (".py",)) -> str:
    """sha256 (hex) of the files under ``root`` named by ``parts`` (a file, or a folder: its files with one of the
    ``suffixes``, at any depth, in sorted order), each as its path relative to ``root`` and its bytes.

    Folders are listed by suffix, not file by file: Numba keeps hundreds of cache files beside the kernels.
    """
    suffixes = tuple(suffixes)
    h = hashlib.sha256()
    for rel in parts:
        base = root / rel
        if base.is_file():
            files = [base]
        elif base.is_dir():
            files = sorted(f for s in suffixes for f in base.rglob(f"*{s}"))
        else:
            files = []
        for f in files:
            if f.is_file():
                h.update(str(f.relative_to(root)).encode())
                h.update(f.read_bytes())
    return h.hexdigest()
