"""GPU chip configuration: TOML presets shipped with the package, validated into a frozen dataclass.

A chip file (see ``simulator/gpu/presets/*.toml``) has top-level ``name``,
``description``, ``n_sms``, optional ``sector_B``, and tables ``[clocks]``,
``[l1]``, ``[l2]``, ``[dram]``.  ``l1.policy`` and ``l2.policy`` name the
replacement policy (:mod:`simulator.gpu.policies`: ``"lru"``, the default, or
``"fifo"``; GPGPU-Sim's ``L`` / ``F`` replacement letters).  ``l1.write_allocate`` / ``l2.write_allocate``
take ``true``, ``false`` or a mode name (:mod:`simulator.gpu.write_allocate`: ``"fetch_on_write"``, ``"lazy"``,
``"naive"``).  ``l2.channel_hash``, ``l2.hash_seed`` and ``l2.set_index`` choose the slice and set of an address
(:mod:`simulator.gpu.l2map`, GPGPU-Sim's partition indexing and set-index functions).  ``l1.skip_global_loads``
is GPGPU-Sim's ``-gpgpu_gmem_skip_L1D``: global accesses bypass the L1 (every access of an nvmsim trace is
global, so it bypasses the L1 as ``l1.enabled = false`` does, with the L1 still described).
``load_chip(name_or_path, l2_MB=..., overrides=...)`` merges overrides field by field, then checks every value;
a bad one raises :class:`~models.errors.ConfigError` naming the dotted field.

L2 capacity rule (``l2_MB``): the slice count (channels x slices per channel),
the ways and the line size stay as in the preset; the sets per slice become
``round(l2_MB * 2**20 / (slices * ways * line_B))``.  On ``gtx1080ti-deepnvm``
(24 slices x 16 ways x 128 B) 3 / 6 / 12 / 24 MB give 64 / 128 / 256 / 512 sets,
exactly.  Capacities that are not a power-of-two multiple get a set count that
is not a power of two (set index = line mod sets, as the caches support): 7 MB
gives 149 sets (6.98 MB, -0.2 %), 10 MB 213 sets (9.98 MB).  The exact capacity
used is ``chip.l2.capacity_B``; a request that cannot be met within 1 % is an
error, and so is a set count the set index does not support (``"xor"``: powers
of two; ``"ipoly"``: 16, 32, 64; ``"fermi"``: 32, 64).  A config that gives
``l2.capacity_KB`` instead of ``sets_per_slice`` must divide exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from models.config import as_choice, as_positive, load_toml, merge, reject_unknown, require
from models.errors import ConfigError
from simulator.gpu import policies
from simulator.gpu.write_allocate import write_allocate_mode

PRESET_DIR = Path(__file__).with_name("presets")
WRITE_POLICIES = ("write-back", "write-through")
CHANNEL_HASHES = ("linear", "xor", "ipoly", "random", "fold")
SET_INDEXES = ("modulo", "xor", "ipoly", "fermi", "fold")
#: Set counts each set index supports (None: any); GPGPU-Sim's IPOLY and Fermi hashes exist for these only.
SET_INDEX_SETS = {"modulo": None, "fold": None, "xor": "pow2", "ipoly": (16, 32, 64), "fermi": (32, 64)}
#: Slice counts IPOLY partition indexing supports (``next_pow2(channels) * slices_per_channel``).
IPOLY_SLICES = (16, 32, 64)
MAX_SLICES_PER_CHANNEL = 16  # GPGPU-Sim's Pascal address map has four bank bits to take sub-partitions from
CAPACITY_TOLERANCE = 0.01


@dataclass(frozen=True)
class Clocks:
    """Clock domains in MHz (GPGPU-Sim's core : interconnect : L2 : DRAM)."""

    core_MHz: float
    icnt_MHz: float
    l2_MHz: float
    dram_MHz: float


@dataclass(frozen=True)
class L1Config:
    """Per-SM L1 data cache (one per SM, all alike); ``policy`` is a replacement policy name."""

    enabled: bool
    sets: int
    ways: int
    line_B: int
    write_back: bool
    write_allocate: bool
    hit_latency_cycles: int
    policy: str = policies.DEFAULT_POLICY
    write_allocate_mode: str = "none"
    skip_global_loads: bool = False

    @property
    def capacity_B(self) -> int:
        return self.sets * self.ways * self.line_B


@dataclass(frozen=True)
class L2Config:
    """Sliced L2: ``channels`` memory channels, each with ``slices_per_channel`` slices of ``sets_per_slice`` sets;
    ``policy`` is a replacement policy name; ``write_allocate`` says whether a write miss allocates and
    ``write_allocate_mode`` how (:mod:`simulator.gpu.write_allocate`); ``channel_hash``, ``hash_seed`` and
    ``set_index`` as in :mod:`simulator.gpu.l2map`."""

    channels: int
    slices_per_channel: int
    sets_per_slice: int
    ways: int
    line_B: int
    write_back: bool
    write_allocate: bool
    chunk_B: int
    channel_hash: str
    set_index: str
    read_latency_ns: float
    write_latency_ns: float
    rop_latency_cycles: int
    policy: str = policies.DEFAULT_POLICY
    write_allocate_mode: str = "fetch_on_write"
    hash_seed: int = 1

    @property
    def slices(self) -> int:
        return self.channels * self.slices_per_channel

    @property
    def slice_B(self) -> int:
        return self.sets_per_slice * self.ways * self.line_B

    @property
    def capacity_B(self) -> int:
        return self.slices * self.slice_B

    @property
    def capacity_MB(self) -> float:
        return self.capacity_B / 2**20


@dataclass(frozen=True)
class DramConfig:
    """Off-chip memory: total peak bandwidth split evenly over the L2's channels."""

    type: str
    bandwidth_GBps: float
    latency_ns: float
    atom_B: int = 32


@dataclass(frozen=True)
class GpuChip:
    """A validated GPU memory-hierarchy configuration."""

    name: str
    description: str
    n_sms: int
    sector_B: int | None
    clocks: Clocks
    l1: L1Config
    l2: L2Config
    dram: DramConfig

    @property
    def l1_bypassed(self) -> bool:
        """Whether trace accesses skip the L1s: no L1 (``l1.enabled = false``), or ``l1.skip_global_loads`` (every
        access of an nvmsim trace is a global one).  The engines ask only this."""
        return not self.l1.enabled or self.l1.skip_global_loads

    def with_l2_MB(self, l2_MB: float) -> GpuChip:
        """This chip with its L2 resized by the module's rule (sets per slice change)."""
        return replace(self, l2=replace(self.l2, sets_per_slice=sets_for_capacity(self.l2, l2_MB)))


def sets_for_capacity(l2: L2Config, l2_MB: float, field: str = "l2_MB") -> int:
    """Sets per slice that give ``l2_MB`` (within 1 %) at the L2's slices, ways and line size."""
    mb = as_positive(l2_MB, field)
    per_set = l2.slices * l2.ways * l2.line_B
    want = mb * 2**20
    sets = round(want / per_set)
    if sets < 1 or abs(sets * per_set - want) > CAPACITY_TOLERANCE * want:
        near = max(sets, 1) * per_set / 2**20
        raise ConfigError(field, f"{mb:g} MB cannot be built from {l2.slices} slices x {l2.ways} ways x "
                                 f"{l2.line_B} B lines within 1 % (nearest {near:.4g} MB)")
    check_set_index(l2.set_index, sets, f"{mb:g} MB gives {sets}")
    return sets


def check_set_index(set_index: str, sets: int, what: str) -> None:
    """Raise a ConfigError on ``l2.set_index`` if it does not support ``sets`` sets per slice (``what`` says where
    the count came from)."""
    ok = SET_INDEX_SETS[set_index]
    if ok is None:
        return
    if ok == "pow2":
        if sets & (sets - 1):
            raise ConfigError("l2.set_index", f"'{set_index}' needs a power-of-two number of sets per slice; {what}")
    elif sets not in ok:
        name = {"ipoly": "IPOLY", "fermi": "Fermi hash"}[set_index]
        counts = ", ".join(map(str, ok[:-1])) + f" or {ok[-1]}"
        raise ConfigError("l2.set_index", f"'{set_index}' (GPGPU-Sim's {name}) supports {counts} sets per slice "
                                          f"only; {what} ('modulo', 'fold' work for any count)")


def preset_names() -> list[str]:
    """The GPU chip presets shipped in ``simulator/gpu/presets``."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def _raw(name_or_path) -> tuple[dict[str, Any], str]:
    p = Path(str(name_or_path))
    if p.suffix == ".toml" or p.exists():
        return load_toml(p), str(p)
    preset = PRESET_DIR / f"{name_or_path}.toml"
    if not preset.is_file() or str(name_or_path) not in preset_names():
        raise ConfigError("chip", f"unknown preset {name_or_path!r} (valid: {', '.join(preset_names())})")
    return load_toml(preset), str(name_or_path)


def _int(value, field, allow_zero=False):
    return as_positive(value, field, integer=True, allow_zero=allow_zero)


def _bool(value, field):
    if not isinstance(value, bool):
        raise ConfigError(field, f"must be true or false, got {value!r}")
    return value


def _pow2(value, field):
    v = _int(value, field)
    if v & (v - 1):
        raise ConfigError(field, f"must be a power of two, got {v}")
    return v


def _policy(d, prefix, sectored):
    """(write-back?, write-allocate mode name) of a cache table."""
    wp = as_choice(d.get("write_policy", "write-back"), f"{prefix}.write_policy", WRITE_POLICIES)
    wa = write_allocate_mode(d.get("write_allocate", wp == "write-back"), sectored, f"{prefix}.write_allocate")
    return wp == "write-back", wa


def _seed(value):
    seed = _int(value, "l2.hash_seed", allow_zero=True)
    if seed >= 2**63:
        raise ConfigError("l2.hash_seed", f"must be below 2**63, got {seed}")
    return seed


def _channel_hash(d2, channels, spc):
    """``l2.channel_hash``, checked against the channel and slice counts it supports."""
    h = as_choice(d2.get("channel_hash", "linear"), "l2.channel_hash", CHANNEL_HASHES)
    if h == "xor" and channels & (channels - 1):
        raise ConfigError("l2.channel_hash", f"'xor' (GPGPU-Sim's bitwise permutation) needs a power-of-two number "
                                             f"of channels, got {channels} ('ipoly', 'random' or 'fold' work for any)")
    if h == "ipoly":
        n = (1 << (channels - 1).bit_length()) * spc
        if n not in IPOLY_SLICES:
            raise ConfigError("l2.channel_hash", f"'ipoly' hashes over next_pow2(channels) x slices_per_channel = "
                                                 f"{n} slices; GPGPU-Sim's IPOLY supports 16, 32 or 64 only")
    return h


def _replacement(d, prefix):
    """The table's replacement policy name (checked against the registry, default LRU)."""
    return policies.get_policy(d.get("policy", policies.DEFAULT_POLICY), f"{prefix}.policy").name


def _sets(d, prefix, per_set_B, what):
    has_sets, has_cap = "sets" in d or "sets_per_slice" in d, "capacity_KB" in d
    key = "sets_per_slice" if prefix == "l2" else "sets"
    if has_sets and has_cap:
        raise ConfigError(f"{prefix}.capacity_KB", f"give either capacity_KB or {key}, not both")
    if has_sets:
        return _int(d[key], f"{prefix}.{key}")
    cap_B = as_positive(require(d, "capacity_KB", prefix), f"{prefix}.capacity_KB") * 1024
    if cap_B % per_set_B:
        raise ConfigError(f"{prefix}.capacity_KB", f"{cap_B / 1024:g} KB is not divisible by {what} = {per_set_B} B")
    return int(cap_B // per_set_B)


def build_chip(data: dict[str, Any], origin: str = "<chip>") -> GpuChip:
    """Validate a merged config dict into a :class:`GpuChip`."""
    reject_unknown(data, ("name", "description", "n_sms", "sector_B", "clocks", "l1", "l2", "dram"))
    for table in ("clocks", "l1", "l2", "dram"):
        if not isinstance(require(data, table), dict):
            raise ConfigError(table, "must be a table")
    c = data["clocks"]
    reject_unknown(c, ("core_MHz", "icnt_MHz", "l2_MHz", "dram_MHz"), "clocks")
    clocks = Clocks(*(as_positive(require(c, k, "clocks"), f"clocks.{k}")
                      for k in ("core_MHz", "icnt_MHz", "l2_MHz", "dram_MHz")))

    sector = data.get("sector_B", 0)
    sector_B = None if sector == 0 else _pow2(sector, "sector_B")

    d1 = data["l1"]
    reject_unknown(d1, ("enabled", "capacity_KB", "sets", "ways", "line_B", "write_policy", "write_allocate",
                        "hit_latency_cycles", "policy", "skip_global_loads"), "l1")
    l1_line = _pow2(d1.get("line_B", 128), "l1.line_B")
    l1_ways = _int(require(d1, "ways", "l1"), "l1.ways")
    wb1, wa1 = _policy(d1, "l1", sector_B is not None and sector_B < l1_line)
    l1 = L1Config(_bool(d1.get("enabled", True), "l1.enabled"),
                  _sets(d1, "l1", l1_line * l1_ways, "line_B x ways"), l1_ways, l1_line, wb1, wa1 != "none",
                  _int(d1.get("hit_latency_cycles", 0), "l1.hit_latency_cycles", allow_zero=True),
                  _replacement(d1, "l1"), wa1, _bool(d1.get("skip_global_loads", False), "l1.skip_global_loads"))

    d2 = data["l2"]
    reject_unknown(d2, ("channels", "slices_per_channel", "sets_per_slice", "capacity_KB", "ways", "line_B",
                        "write_policy", "write_allocate", "chunk_B", "channel_hash", "hash_seed", "set_index",
                        "read_latency_ns", "write_latency_ns", "rop_latency_cycles", "policy"), "l2")
    channels = _int(require(d2, "channels", "l2"), "l2.channels")
    spc = _pow2(d2.get("slices_per_channel", 1), "l2.slices_per_channel")
    if spc > MAX_SLICES_PER_CHANNEL:
        raise ConfigError("l2.slices_per_channel", f"at most {MAX_SLICES_PER_CHANNEL} (the sub-partition comes from "
                                                   f"the address's four bank bits), got {spc}")
    ways = _int(require(d2, "ways", "l2"), "l2.ways")
    line = _pow2(d2.get("line_B", 128), "l2.line_B")
    chunk = _pow2(d2.get("chunk_B", 256), "l2.chunk_B")
    if chunk < line:
        raise ConfigError("l2.chunk_B", f"must be at least l2.line_B ({line}), got {chunk}")
    sets = _sets(d2, "l2", channels * spc * ways * line, "line_B x ways x slices")
    set_index = as_choice(d2.get("set_index", "modulo"), "l2.set_index", SET_INDEXES)
    check_set_index(set_index, sets, f"the l2 table gives {sets}")
    channel_hash = _channel_hash(d2, channels, spc)
    wb2, wa2 = _policy(d2, "l2", sector_B is not None and sector_B < line)
    l2 = L2Config(channels, spc, sets, ways, line, wb2, wa2 != "none", chunk, channel_hash, set_index,
                  as_positive(require(d2, "read_latency_ns", "l2"), "l2.read_latency_ns"),
                  as_positive(require(d2, "write_latency_ns", "l2"), "l2.write_latency_ns"),
                  _int(d2.get("rop_latency_cycles", 0), "l2.rop_latency_cycles", allow_zero=True),
                  _replacement(d2, "l2"), wa2, _seed(d2.get("hash_seed", 1)))
    if sector_B is not None and (sector_B > line or sector_B > l1_line or line // sector_B > 32):
        raise ConfigError("sector_B", f"must divide the L1 and L2 lines into at most 32 sectors, got {sector_B}")

    dd = data["dram"]
    reject_unknown(dd, ("type", "bandwidth_GBps", "latency_ns", "atom_B"), "dram")
    dtype = require(dd, "type", "dram")
    if not isinstance(dtype, str) or not dtype:
        raise ConfigError("dram.type", f"must be a name such as 'GDDR5X', got {dtype!r}")
    dram = DramConfig(dtype, as_positive(require(dd, "bandwidth_GBps", "dram"), "dram.bandwidth_GBps"),
                      as_positive(require(dd, "latency_ns", "dram"), "dram.latency_ns", allow_zero=True),
                      _pow2(dd.get("atom_B", 32), "dram.atom_B"))

    name = data.get("name", origin)
    if not isinstance(name, str):
        raise ConfigError("name", f"must be a string, got {name!r}")
    return GpuChip(name, str(data.get("description", "")), _int(require(data, "n_sms"), "n_sms"), sector_B,
                   clocks, l1, l2, dram)


def _drop_replaced(data, overrides):
    """An override of sets replaces the file's capacity_KB (and the reverse), so both are never given."""
    data = dict(data)
    for table, sets_key in (("l1", "sets"), ("l2", "sets_per_slice")):
        o = overrides.get(table)
        if isinstance(o, dict) and isinstance(data.get(table), dict):
            t = dict(data[table])
            if sets_key in o:
                t.pop("capacity_KB", None)
            if "capacity_KB" in o:
                t.pop(sets_key, None)
            data[table] = t
    return data


def load_chip(name_or_path, l2_MB: float | None = None, overrides: dict[str, Any] | None = None) -> GpuChip:
    """Load a preset (by name) or a TOML file, apply ``overrides`` (nested dict) and an L2 capacity.

    Parameters
    ----------
    name_or_path : str or Path
        A preset name (see :func:`preset_names`) or a path to a ``.toml`` chip file.
    l2_MB : float, optional
        L2 capacity in MB (2**20 B); sets per slice change, see the module docstring.
    overrides : dict, optional
        Nested values merged over the file, e.g. ``{"l2": {"ways": 8}, "n_sms": 14}``.
    """
    if isinstance(name_or_path, GpuChip):
        chip = name_or_path
        if overrides:
            raise ConfigError("overrides", "apply overrides when loading a chip by name or path")
    else:
        data, origin = _raw(name_or_path)
        if overrides:
            if not isinstance(overrides, dict):
                raise ConfigError("overrides", f"must be a nested dict, got {type(overrides).__name__}")
            data = merge(_drop_replaced(data, overrides), overrides)
        chip = build_chip(data, origin)
    return chip if l2_MB is None else chip.with_l2_MB(l2_MB)
