"""Accel-Sim SASS traces (``kernelslist.g`` + ``kernel-N.traceg``, optionally ``.xz``) -> nvmsim chunks.

Format (Accel-Sim tracer, ``util/tracer_nvbit``; versions 3-5): a ``.traceg``
starts with ``-key = value`` header lines (kernel name/id, grid, block,
``accelsim tracer version``, ``enable lineinfo``), then one
``#BEGIN_TB`` ... ``#END_TB`` block per thread block with ``thread block =
x,y,z``, ``warp = w``, ``insts = n`` and one line per warp instruction::

    [line_num] PC mask dest_num [R..] opcode src_num [R..] mem_width [mode addresses] [imm]

(tracer version < 3 prefixes each instruction with ``tb_x tb_y tb_z warp``.)
For ``mem_width > 0`` the address-compression ``mode`` is 0 = one address
per active lane, 1 = ``base stride`` (active lane k at base + k * stride),
2 = ``base d1 d2 ...`` with popcount(mask) - 1 signed deltas, each relative to
the previous active lane.

We keep global loads and stores only (opcodes ``LDG``, ``LDGSTS`` and
``STG``) -- the traffic that reaches L2 on Pascal, where global loads bypass
L1 -- skip predicated-off lines (mask 0), and emit one entry per distinct
32 B sector the warp touches (lane address .. address + width - 1), in
ascending order per instruction, instructions in file order (thread block by
thread block, warp by warp). ``sm`` is the thread block's linear index
modulo ``n_sms`` (round-robin, as nvmsim's generator schedules CTAs);
``kernel`` is the header's kernel id. ``MemcpyHtoD`` lines of the kernel
list are ignored.
"""

from __future__ import annotations

import lzma
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from models.errors import ConfigError, FileFormatError
from traces.chunk import DEFAULT_CHUNK, TraceChunk

SECTOR_B = 32
GLOBAL_LOADS = ("LDG", "LDGSTS")
GLOBAL_STORES = ("STG",)


def _open_text(path: Path):
    try:
        if path.suffix == ".xz":
            return lzma.open(path, "rt", errors="replace")
        return open(path, errors="replace")  # noqa: SIM115 - closed by the caller's with
    except OSError as e:
        raise FileFormatError(path, f"cannot read: {e.strerror or e}") from None


def _kernel_files(path: Path) -> list[Path]:
    """The ``.traceg`` files a ``kernelslist.g`` names, in order (relative to its folder)."""
    out = []
    with _open_text(path) as f:
        for i, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            if s.startswith("Memcpy"):
                continue
            if ".traceg" not in s and ".trace" not in s:
                raise FileFormatError(path, f"line {i}: expected 'MemcpyHtoD,...' or 'kernel-N.traceg', got {s[:60]!r}")
            p = path.parent / s
            if not p.exists() and (path.parent / (s + ".xz")).exists():
                p = path.parent / (s + ".xz")
            if not p.exists():
                raise FileFormatError(path, f"line {i}: kernel trace {s!r} not found next to the list")
            out.append(p)
    return out


class _Sink:
    """Collects sector entries and hands out bounded chunks."""

    def __init__(self, chunk_size: int):
        self.size = chunk_size
        self._new()

    def _new(self):
        self.addr = np.empty(self.size, np.uint64)
        self.w = np.empty(self.size, np.bool_)
        self.sm = np.empty(self.size, np.int32)
        self.kernel = np.empty(self.size, np.int32)
        self.n = 0

    def full(self) -> bool:
        return self.n >= self.size

    def take(self) -> TraceChunk:
        n = self.n
        c = TraceChunk(self.addr[:n], self.w[:n], self.sm[:n], self.kernel[:n])
        self._new()
        return c


def _lane_addresses(path, lineno, toks, k, n_active) -> list[int]:
    mode = int(toks[k])
    if mode == 0:
        return [int(t, 16) for t in toks[k + 1 : k + 1 + n_active]] if len(toks) >= k + 1 + n_active else None
    base = int(toks[k + 1], 16)
    if mode == 1:
        stride = int(toks[k + 2])
        return [base + j * stride for j in range(n_active)]
    if mode == 2:
        if len(toks) < k + 2 + n_active - 1:
            return None
        out = [base]
        for t in toks[k + 2 : k + 2 + n_active - 1]:
            out.append(out[-1] + int(t))
        return out
    raise FileFormatError(path, f"line {lineno}: unknown address-compression mode {mode}")


def _read_traceg(path: Path, sink: _Sink, n_sms: int, kernel_fallback: int) -> Iterator[TraceChunk]:
    header: dict[str, str] = {}
    version = 4
    lineinfo = 0
    kernel = kernel_fallback
    tb_index = -1
    sm = 0
    in_tb = False
    grid = (1, 1, 1)
    seen_tb = False
    with _open_text(path) as f:
        try:
            for lineno, line in enumerate(f, 1):
                s = line.strip()
                if not s:
                    continue
                if s[0] == "-":
                    key, _, val = s[1:].partition("=")
                    header[key.strip()] = val.strip()
                    if key.strip() == "accelsim tracer version":
                        version = int(val)
                    elif key.strip() == "enable lineinfo":
                        lineinfo = int(val)
                    elif key.strip() == "kernel id":
                        kernel = int(val)
                    elif key.strip() == "grid dim":
                        grid = tuple(int(x) for x in val.strip().strip("()").split(","))
                    continue
                if s[0] == "#":
                    if s.startswith("#BEGIN_TB"):
                        in_tb = True
                        seen_tb = True
                    elif s.startswith("#END_TB"):
                        in_tb = False
                    continue
                if s.startswith("thread block"):
                    x, y, z = (int(v) for v in s.partition("=")[2].split(","))
                    tb_index = x + grid[0] * (y + grid[1] * z)
                    sm = tb_index % n_sms
                    continue
                if s.startswith(("warp", "insts", "cluster")):
                    continue
                if "kernel name" not in header:
                    raise FileFormatError(path, "not an Accel-Sim .traceg (no '-kernel name = ...' header)")
                if not in_tb:
                    raise FileFormatError(path, f"line {lineno}: instruction outside #BEGIN_TB/#END_TB")
                toks = s.split()
                k = (4 if version < 3 else 0) + (1 if lineinfo else 0)
                mask = int(toks[k + 1], 16)
                k += 2
                k += 1 + int(toks[k])  # dest_num + dests
                opcode = toks[k]
                k += 1
                k += 1 + int(toks[k])  # src_num + srcs
                width = int(toks[k])
                k += 1
                if width <= 0 or mask == 0:
                    continue
                op = opcode.split(".", 1)[0]
                if op in GLOBAL_LOADS:
                    is_w = False
                elif op in GLOBAL_STORES:
                    is_w = True
                else:
                    continue
                n_active = bin(mask).count("1")
                lanes = _lane_addresses(path, lineno, toks, k, n_active)
                if lanes is None:
                    raise FileFormatError(path, f"line {lineno}: fewer addresses than the {n_active} active lanes")
                sectors = set()
                for a in lanes:
                    for sct in range(a // SECTOR_B, (a + width - 1) // SECTOR_B + 1):
                        sectors.add(sct)
                for sct in sorted(sectors):
                    n = sink.n
                    sink.addr[n] = sct * SECTOR_B
                    sink.w[n] = is_w
                    sink.sm[n] = sm
                    sink.kernel[n] = kernel
                    sink.n = n + 1
                    if sink.full():
                        yield sink.take()
        except (ValueError, IndexError) as e:
            raise FileFormatError(path, f"line {lineno}: malformed instruction line ({e})") from None
        except (EOFError, lzma.LZMAError) as e:
            raise FileFormatError(path, f"truncated or corrupt xz stream ({e})") from None
    if not header or "kernel name" not in header:
        raise FileFormatError(path, "not an Accel-Sim .traceg (no '-kernel name = ...' header)")
    if in_tb:
        raise FileFormatError(path, "truncated: last thread block has no #END_TB")
    if not seen_tb and header.get("grid dim"):
        raise FileFormatError(path, "no thread blocks (#BEGIN_TB) in the trace")


def read_accelsim(path, *, n_sms: int = 28, chunk_size: int = DEFAULT_CHUNK) -> Iterator[TraceChunk]:
    """Stream an Accel-Sim trace as nvmsim chunks of 32 B global-memory sector accesses.

    Parameters
    ----------
    path : str or Path
        A ``kernelslist.g`` (every kernel it lists, in order) or one
        ``kernel-N.traceg`` / ``.traceg.xz``.
    n_sms : int
        Thread block ``b`` (linear index) is attributed to SM ``b % n_sms``.
    chunk_size : int
        Entries per chunk (all but the last chunk are exactly this long).

    Raises
    ------
    models.errors.FileFormatError
        Missing, truncated, corrupt or non-Accel-Sim file (raised while iterating).
    """
    path = Path(path)
    if n_sms <= 0:
        raise ConfigError("n_sms", f"must be positive, got {n_sms}")
    if chunk_size <= 0:
        raise ConfigError("chunk_size", f"must be positive, got {chunk_size}")
    if not path.is_file():
        raise FileFormatError(path, "no such file")
    return _iter(path, n_sms, chunk_size)


def _iter(path: Path, n_sms: int, chunk_size: int) -> Iterator[TraceChunk]:
    name = path.name[:-3] if path.name.endswith(".xz") else path.name
    files = [path] if name.endswith(".traceg") or name.endswith(".trace") else _kernel_files(path)
    sink = _Sink(chunk_size)
    for i, f in enumerate(files):
        yield from _read_traceg(f, sink, n_sms, i + 1)
    if sink.n:
        yield sink.take()
