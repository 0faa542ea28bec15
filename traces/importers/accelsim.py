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
``STG``, and a generic ``LD``/``ST`` whose first active address Accel-Sim
would classify as global: outside the header's shared and local windows) --
the traffic that reaches L2 on Pascal, where global loads bypass L1 -- skip
predicated-off lines (mask 0), and emit one entry per distinct 32 B sector the
warp touches (lane address .. address + width - 1), in ascending order per
instruction, instructions in file order (thread block by thread block, warp
by warp). ``sm`` is the thread block's linear index modulo ``n_sms``
(round-robin, as nvmsim's generator schedules CTAs); ``kernel`` is the
header's kernel id. ``MemcpyHtoD`` lines of the kernel list are ignored.

Bad input is a :class:`~models.errors.FileFormatError` naming the file, the
line and the reason -- the cases where Accel-Sim itself would assert, crash or
silently run something else: a truncated file or xz stream (a thread block
without ``#END_TB``, fewer thread blocks than ``grid dim`` launches, a warp with
fewer instruction lines than its ``insts = n``), a malformed header or
instruction line (which field, and why), an opcode we do not know that has
memory operands (dropping it silently could lose traffic), a warp id outside
the block, and a ``kernelslist.g`` naming a file that is not there. A warp
without an ``insts`` line is accepted (hand-written traces).
"""

from __future__ import annotations

import lzma
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from models.errors import ConfigError, FileFormatError
from traces.chunk import DEFAULT_CHUNK, TraceChunk

SECTOR_B = 32
GLOBAL_LOADS = frozenset({"LDG", "LDGSTS"})
GLOBAL_STORES = frozenset({"STG"})
GENERIC_MEMORY_OPCODES = frozenset({"LD", "ST"})
"""Generic loads/stores: global, shared or local by their first active address (as Accel-Sim decides)."""
OTHER_MEMORY_OPCODES = frozenset({
    "LDS", "STS", "LDSM", "LDSLK", "STSCUL", "ATOMS",  # shared memory
    "LDL", "STL",  # local memory (spills): through L1, not the L2 traffic we model
    "LDC",  # constant cache
    "ATOM", "ATOMG", "RED",  # global atomics and reductions (not modelled)
    "CCTL", "CCTLL", "CCTLT", "MEMBAR", "ERRBAR", "LDGDEPBAR",  # cache control and barriers
    "TEX", "TEXS", "TLD", "TLDS", "TLD4", "TLD4S", "TMML", "TXD", "TXQ",  # texture
    "SUATOM", "SULD", "SURED", "SUST", "SUQUERY", "SULDGA", "SUSTGA", "SUBFM", "SUCLAMP", "SUEAU",  # surface
})
"""Opcodes of the Kepler-Ampere ISAs Accel-Sim knows that carry memory operands but are not global loads or
stores: skipped. Any other opcode with a memory width is an error, not silently dropped traffic."""
LOCAL_MEM_SIZE_B = 1 << 14
"""Accel-Sim's local-memory window above ``local mem base_addr`` (``LOCAL_MEM_SIZE_MAX``), for generic LD/ST."""


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
                raise FileFormatError(path, f"expected 'MemcpyHtoD,...' or 'kernel-N.traceg', got {s[:60]!r}", i)
            p = path.parent / s
            if not p.exists() and (path.parent / (s + ".xz")).exists():
                p = path.parent / (s + ".xz")
            if not p.is_file():
                raise FileFormatError(path, f"kernel trace {s!r} not found next to the list", i)
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


class _Bad(Exception):
    """A malformed field inside one instruction line (turned into a FileFormatError naming the line)."""


def _lane_addresses(toks, k, n_active) -> list[int]:
    """Active lanes' addresses from the address fields at ``toks[k:]`` (mode, then the mode's data)."""
    if k >= len(toks):
        raise _Bad("no address-compression mode after the memory width")
    try:
        mode = int(toks[k])
    except ValueError:
        raise _Bad(f"address-compression mode {toks[k]!r} is not a number") from None
    if mode not in (0, 1, 2):
        raise _Bad(f"unknown address-compression mode {mode} (0 = list, 1 = base+stride, 2 = base+deltas)")
    data = toks[k + 1 :]
    need = {0: n_active, 1: 2, 2: n_active}[mode]
    if len(data) < need:
        raise _Bad(f"fewer addresses than the {n_active} active lanes (mode {mode} needs {need} fields, "
                   f"got {len(data)})")
    try:
        if mode == 0:
            return [int(t, 16) for t in data[:n_active]]
        base = int(data[0], 16)
        if mode == 1:
            stride = int(data[1])
            return [base + j * stride for j in range(n_active)]
        out = [base]
        for t in data[1:n_active]:
            out.append(out[-1] + int(t))
        return out
    except ValueError as e:
        raise _Bad(f"bad address field ({e})") from None


def _space_of_generic(addr: int, header: dict) -> str:
    """Accel-Sim's classification of a generic ``LD``/``ST`` by its first active address (shared/local/global)."""
    shmem, local = header.get("_shmem_base", 0), header.get("_local_base", 0)
    if not shmem or not local:
        return "shared"  # Accel-Sim's default when the tracer gave no base addresses
    if shmem <= addr < local:
        return "shared"
    if local <= addr < local + LOCAL_MEM_SIZE_B:
        return "local"
    return "global"


def _header_value(path, lineno, key: str, val: str, header: dict) -> None:
    """Parse the header fields the reader uses; a bad value is an error naming the line."""
    try:
        if key == "accelsim tracer version":
            header["_version"] = int(val)
        elif key == "enable lineinfo":
            header["_lineinfo"] = int(val)
        elif key == "kernel id":
            header["_kernel"] = int(val)
        elif key in ("grid dim", "block dim"):
            dims = tuple(int(x) for x in val.strip().strip("()").split(","))
            if len(dims) != 3 or min(dims) <= 0:
                raise ValueError("needs three positive integers")
            header["_grid" if key == "grid dim" else "_block"] = dims
        elif key == "shmem base_addr":
            header["_shmem_base"] = int(val, 16)
        elif key == "local mem base_addr":
            header["_local_base"] = int(val, 16)
    except ValueError as e:
        raise FileFormatError(path, f"malformed header '-{key} = {val}' ({e})", lineno) from None


class _Warp:
    """The warp being read: its declared and seen instruction counts, for the ``insts = n`` check."""

    def __init__(self, wid: int, tb: str):
        self.wid, self.tb = wid, tb
        self.declared: int | None = None
        self.declared_at = 0
        self.seen = 0

    def close(self, path, lineno: int) -> None:
        if self.declared is not None and self.seen != self.declared:
            raise FileFormatError(path, f"truncated or malformed: warp {self.wid} of thread block {self.tb} has "
                                        f"{self.seen} instruction lines, its 'insts = {self.declared}' (line "
                                        f"{self.declared_at}) says {self.declared}", lineno)


def _read_traceg(path: Path, sink: _Sink, n_sms: int, kernel_fallback: int) -> Iterator[TraceChunk]:
    header: dict = {}
    kernel = kernel_fallback
    sm = 0
    tb_open_at = 0  # line of the open #BEGIN_TB (0: outside any thread block)
    tb = "?"
    warp: _Warp | None = None
    n_tbs = 0
    lineno = 0
    with _open_text(path) as f:
        try:
            for lineno, line in enumerate(f, 1):
                s = line.strip()
                if not s:
                    continue
                c = s[0]
                if c == "-" and not tb_open_at:
                    key, eq, val = s[1:].partition("=")
                    if not eq:
                        raise FileFormatError(path, f"malformed header line {s[:60]!r} (no '=')", lineno)
                    key = key.strip()
                    header[key] = val.strip()
                    _header_value(path, lineno, key, val.strip(), header)
                    continue
                if c == "#":
                    if s.startswith("#BEGIN_TB"):
                        if tb_open_at:
                            raise FileFormatError(path, f"#BEGIN_TB inside the thread block opened at line "
                                                        f"{tb_open_at} (no #END_TB before it)", lineno)
                        if "kernel name" not in header:
                            raise FileFormatError(path, "not an Accel-Sim .traceg (no '-kernel name = ...' header "
                                                        "before the first #BEGIN_TB)", lineno)
                        tb_open_at, tb, warp = lineno, "?", None
                        kernel = header.get("_kernel", kernel_fallback)
                    elif s.startswith("#END_TB"):
                        if not tb_open_at:
                            raise FileFormatError(path, "#END_TB without a #BEGIN_TB", lineno)
                        if warp is not None:
                            warp.close(path, lineno)
                        tb_open_at, warp = 0, None
                        n_tbs += 1
                    continue
                if not tb_open_at:
                    if "kernel name" not in header:
                        raise FileFormatError(path, "not an Accel-Sim .traceg (no '-kernel name = ...' header)",
                                              lineno)
                    raise FileFormatError(path, f"{s[:40]!r} outside #BEGIN_TB/#END_TB", lineno)
                if s.startswith("thread block"):
                    try:
                        x, y, z = (int(v) for v in s.partition("=")[2].split(","))
                    except ValueError:
                        raise FileFormatError(path, f"malformed {s[:60]!r} (expected 'thread block = x,y,z')",
                                              lineno) from None
                    gx, gy, _ = header.get("_grid", (1, 1, 1))
                    tb = f"({x},{y},{z})"
                    sm = (x + gx * (y + gy * z)) % n_sms
                    continue
                if s.startswith("warp"):
                    if warp is not None:
                        warp.close(path, lineno)
                    try:
                        wid = int(s.partition("=")[2])
                    except ValueError:
                        raise FileFormatError(path, f"malformed {s[:60]!r} (expected 'warp = n')", lineno) from None
                    bx, by, bz = header.get("_block", (0, 0, 0))
                    n_warps = -(-bx * by * bz // 32)
                    if wid < 0 or (n_warps and wid >= n_warps):
                        raise FileFormatError(path, f"warp {wid} outside the block's {n_warps} warps "
                                                    f"(block dim {header.get('block dim')})", lineno)
                    warp = _Warp(wid, tb)
                    continue
                if s.startswith("insts"):
                    try:
                        declared = int(s.partition("=")[2])
                        if declared < 0:
                            raise ValueError
                    except ValueError:
                        raise FileFormatError(path, f"malformed {s[:60]!r} (expected 'insts = n', n >= 0)",
                                              lineno) from None
                    if warp is None:
                        raise FileFormatError(path, "'insts = n' before any 'warp = n' line", lineno)
                    warp.declared, warp.declared_at, warp.seen = declared, lineno, 0
                    continue
                if s.startswith("cluster"):
                    continue
                if warp is not None:
                    warp.seen += 1
                    if warp.declared is not None and warp.seen > warp.declared:
                        raise FileFormatError(path, f"warp {warp.wid} of thread block {tb} has more instruction "
                                                    f"lines than its 'insts = {warp.declared}' (line "
                                                    f"{warp.declared_at})", lineno)
                try:
                    entry = _parse_instruction(s.split(), header)
                except _Bad as e:
                    raise FileFormatError(path, f"malformed instruction line: {e}: {s[:80]!r}", lineno) from None
                if entry is None:
                    continue
                is_w, width, lanes = entry
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
        except EOFError as e:
            raise FileFormatError(path, f"truncated xz stream ({e})", lineno + 1) from None
        except lzma.LZMAError as e:
            raise FileFormatError(path, f"corrupt xz stream ({e})", lineno + 1) from None
    if "kernel name" not in header:
        raise FileFormatError(path, "not an Accel-Sim .traceg (no '-kernel name = ...' header)", 1)
    if tb_open_at:
        raise FileFormatError(path, f"truncated: the file ends inside the thread block opened at line {tb_open_at} "
                                    f"(no #END_TB)", lineno)
    grid = header.get("_grid")
    want = grid[0] * grid[1] * grid[2] if grid else None
    if n_tbs == 0 or (want is not None and n_tbs != want):
        raise FileFormatError(path, f"truncated or malformed: {n_tbs} thread blocks (#BEGIN_TB ... #END_TB), "
                                    f"grid dim {header.get('grid dim', '?')} launches {want}", lineno)


def _parse_instruction(toks: list[str], header: dict):
    """``(is_write, width_B, lane addresses)`` of a global load/store line, or None for any other instruction."""
    k = (4 if header.get("_version", 4) < 3 else 0) + (1 if header.get("_lineinfo", 0) else 0)
    if len(toks) < k + 6:
        raise _Bad(f"{len(toks)} fields, fewer than an instruction's PC, mask, dest count, opcode, src count and "
                   "memory width")
    try:
        int(toks[k], 16)
    except ValueError:
        raise _Bad(f"PC {toks[k]!r} is not hex") from None
    try:
        mask = int(toks[k + 1], 16)
    except ValueError:
        mask = -1
    if not 0 <= mask < 1 << 32:
        raise _Bad(f"active mask {toks[k + 1]!r} is not a 32-bit hex number")
    k += 2
    for what in ("destination", "source"):
        try:
            n = int(toks[k])
        except ValueError:
            raise _Bad(f"{what} register count {toks[k]!r} is not a number") from None
        if n < 0 or len(toks) < k + 1 + n + (2 if what == "destination" else 1):
            raise _Bad(f"{what} register count {n} does not match the fields that follow")
        for r in toks[k + 1 : k + 1 + n]:
            if not (r[:1] == "R" and r[1:].isdigit()):
                raise _Bad(f"{what} register count {n} does not match the fields that follow ({r!r} is not "
                           "a register R<n>)")
        if what == "destination":
            k += 1 + n
            opcode = toks[k]
            k += 1
        else:
            k += 1 + n
    try:
        width = int(toks[k])
    except ValueError:
        raise _Bad(f"memory width {toks[k]!r} is not a number") from None
    if width < 0:
        raise _Bad(f"negative memory width {width}")
    if width == 0:
        return None
    op = opcode.split(".", 1)[0]
    if op in GLOBAL_LOADS or op in GLOBAL_STORES or op in GENERIC_MEMORY_OPCODES:
        pass
    elif op in OTHER_MEMORY_OPCODES:
        return None
    else:
        raise _Bad(f"unknown opcode {opcode!r} with memory operands (width {width} B)")
    if mask == 0:
        return None  # predicated off: no lane accesses memory
    n_active = bin(mask).count("1")
    lanes = _lane_addresses(toks, k + 1, n_active)
    if op in GENERIC_MEMORY_OPCODES:
        if _space_of_generic(lanes[0], header) != "global":
            return None
        return op == "ST", width, lanes
    return op in GLOBAL_STORES, width, lanes


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
        Missing, truncated, corrupt or non-Accel-Sim file, a malformed line or an
        unknown memory opcode (raised while iterating; the message names the
        file, the line and the reason).
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
