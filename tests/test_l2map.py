"""L2 address mapping: GPGPU-Sim's decoding, partition indexing and set-index functions bit-exact against its
compiled code, the random partition's statistics, even spreading of streams, and the options' errors.

Golden data: ``tests/data/accelsim/addrmap_golden.csv.gz``, written by ``tests/data/accelsim/make_golden.py`` from
GPGPU-Sim 4.2's own ``linear_to_raw_address_translation::addrdec_tlx``, ``partition_address`` and
``l2_cache_config::set_index`` (``src/gpgpu-sim/addrdec.cc``, ``hashing.cc``, ``gpu-cache.cc`` of
accel-sim/gpgpu-sim_distribution dev @ 667834cfe521), linked into a small driver; provenance in that folder's
README.md.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.errors import ConfigError
from simulator.gpu.chip import load_chip
from simulator.gpu.l2map import channel_of_slice, map_l2, set_keys_for, set_of

GOLDEN_DIR = Path(__file__).parent / "data" / "accelsim"
#: GPGPU-Sim's -gpgpu_memory_partition_indexing values -> l2.channel_hash; set-index letters -> l2.set_index
HASH_OF = {0: "linear", 1: "xor", 2: "ipoly", 4: "random"}
SET_INDEX_OF = {"L": "modulo", "X": "xor", "P": "ipoly", "H": "fermi"}


def _golden_configs() -> dict[str, tuple]:
    spec = importlib.util.spec_from_file_location("make_golden", GOLDEN_DIR / "make_golden.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CONFIGS


CONFIGS = _golden_configs()


@pytest.fixture(scope="module")
def golden() -> pd.DataFrame:
    return pd.read_csv(GOLDEN_DIR / "addrmap_golden.csv.gz", dtype={"addr": str, "partition_address": str})


def _l2(n_mem, n_sub, indexing, dl2, set_index="modulo"):
    """An L2 with a golden config's geometry and partition indexing, and the given set index."""
    sets = int(dl2.split(":")[1])
    return load_chip("gtx1080ti-deepnvm", overrides={"l2": {
        "channels": n_mem, "slices_per_channel": n_sub, "sets_per_slice": sets, "channel_hash": HASH_OF[indexing],
        "set_index": set_index}}).l2


def _hex(col) -> np.ndarray:
    return np.array([int(x, 16) for x in col], dtype=np.uint64)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_bit_exact_against_gpgpusim(golden, name):
    """Every deterministic part of the mapping equals GPGPU-Sim's compiled code on 1792 addresses (random 48- and
    34-bit, streams, 26 power-of-two strides): the set key is ``partition_address >> 7``; the slice and channel
    are ``addrdec_tlx``'s sub-partition and chip (not for RANDOM indexing, whose draws are glibc ``rand()``'s);
    and each set-index mode gives its GPGPU-Sim letter's set (L, X, P, H where GPGPU-Sim defines it)."""
    n_mem, n_sub, indexing, dl2 = CONFIGS[name]
    g = golden[golden.config == name]
    assert len(g) == 1792
    addr = _hex(g.addr)
    l2 = _l2(n_mem, n_sub, indexing, dl2)
    slice_, key = map_l2(addr, l2)
    assert (key == (_hex(g.partition_address) >> np.uint64(7)).astype(np.int64)).all()
    if indexing != 4:
        assert (slice_ == g.sub_partition.to_numpy()).all()
        assert (channel_of_slice(slice_, l2) == g.chip.to_numpy()).all()
    letters = [k for k in SET_INDEX_OF if g[f"set_{k}"].notna().all()]
    assert "L" in letters and "X" in letters
    own = dl2.split(",")[1].split(":")[4]
    assert (g[f"set_{own}"] == g.set_dl2).all()
    for letter in letters:
        got = set_of(addr, _l2(n_mem, n_sub, indexing, dl2, SET_INDEX_OF[letter]))
        assert (got == g[f"set_{letter}"].to_numpy()).all(), letter


def test_gtx1080_formula():
    # GPGPU-Sim SM6_GTX1080 (11 channels, 2 sub-partitions, linear): slice = 2*((addr>>8) mod 11) + bit7(addr),
    # set = ((addr >> 8) / 11) mod 64
    l2 = load_chip("gtx1080-gpgpusim").l2
    addr = np.random.default_rng(0).integers(0, 1 << 34, 5000).astype(np.uint64)
    s, _ = map_l2(addr, l2)
    a = addr.astype(object)
    assert s.tolist() == [2 * ((x >> 8) % 11) + ((x >> 7) & 1) for x in a]
    assert set_of(addr, l2).tolist() == [((x >> 8) // 11) % 64 for x in a]
    assert channel_of_slice(s, l2).tolist() == [(x >> 8) % 11 for x in a]


def test_set_key_does_not_depend_on_the_channel_hash():
    """As in GPGPU-Sim (``partition_address`` always decodes consecutively), every channel hash gives the same set
    key; only the slice moves."""
    addr = np.random.default_rng(1).integers(0, 1 << 40, 4000).astype(np.uint64)
    keys = [map_l2(addr, load_chip("v100", overrides={"l2": {"channel_hash": h}}).l2)[1]
            for h in ("linear", "xor", "ipoly", "random", "fold")]
    for k in keys[1:]:
        assert (k == keys[0]).all()


def _titanx(**l2):
    return load_chip("sm6-titanx", overrides={"l2": l2} if l2 else None).l2


def test_random_channel_hash_is_uniform_and_deterministic():
    """``channel_hash = "random"`` (GPGPU-Sim's RANDOM, SM6_TITANX): one uniform draw per 128 B chunk.  Over a
    stream and over a power-of-two stride the slice counts pass a chi-square test (23 degrees of freedom, the
    0.1 % critical value is 49.7); the same seed gives the same slices whatever the chunking of the calls, another
    seed other slices; all addresses of a 128 B chunk share a slice, and neighbouring chunks are independent."""
    l2 = _titanx()
    assert (l2.channel_hash, l2.hash_seed, l2.slices) == ("random", 1, 24)
    n = 240_000
    for addr in (np.arange(n, dtype=np.uint64) * np.uint64(128),                     # a stream of 128 B chunks
                 np.uint64(0x7F0000000000) + np.arange(n, dtype=np.uint64) * np.uint64(1 << 20)):  # 1 MiB stride
        counts = np.bincount(map_l2(addr, l2)[0], minlength=24)
        expected = n / 24
        assert ((counts - expected) ** 2 / expected).sum() < 49.7
    addr = np.random.default_rng(3).integers(0, 1 << 44, 50_000).astype(np.uint64)
    s = map_l2(addr, l2)[0]
    assert (np.concatenate([map_l2(addr[:17_000], l2)[0], map_l2(addr[17_000:], l2)[0]]) == s).all()
    assert (map_l2(addr, _titanx(hash_seed=1))[0] == s).all()
    other = map_l2(addr, _titanx(hash_seed=2))[0]
    assert (other != s).mean() > 0.9  # independent draws agree 1/24 of the time
    base = addr & ~np.uint64(127)
    for off in (1, 32, 64, 127):
        assert (map_l2(base + np.uint64(off), l2)[0] == map_l2(base, l2)[0]).all()
    nxt = map_l2(base + np.uint64(128), l2)[0]
    assert abs((nxt == map_l2(base, l2)[0]).mean() - 1 / 24) < 0.01


def test_random_granularity_matches_gpgpusim(golden):
    """GPGPU-Sim draws once per ``addr >> (8 - log2(sub-partitions))``: 128 B chunks with 2 slices per channel,
    64 B with 4.  Its golden draws share a slice within such a chunk (the 32 B stream in the address list), and so
    do nvmsim's."""
    for name, gran in (("titanx_12x2_random_P64", 128), ("8x4_random_H32", 64)):
        n_mem, n_sub, indexing, dl2 = CONFIGS[name]
        g = golden[golden.config == name]
        addr = _hex(g.addr)
        sel = (addr >= np.uint64(0x10000)) & (addr < np.uint64(0x10800))   # 64 consecutive 32 B sectors
        chunk = addr[sel] // np.uint64(gran)
        theirs = g.sub_partition.to_numpy()[sel]
        mine = map_l2(addr[sel], _l2(n_mem, n_sub, indexing, dl2))[0]
        for c in np.unique(chunk):
            assert len(set(theirs[chunk == c])) == 1 and len(set(mine[chunk == c])) == 1
        assert len(set(mine)) > 1


@pytest.mark.parametrize("chip,overrides", [
    ("gtx1080ti-deepnvm", {}), ("gtx1080-gpgpusim", {}), ("v100", {}),                   # linear, fold
    ("v100", {"channel_hash": "xor"}), ("v100", {"channel_hash": "ipoly", "set_index": "ipoly"}),
    ("sm6-titanx", {"channel_hash": "linear"}), ("sm6-titanx", {"channel_hash": "linear", "set_index": "fermi"}),
    ("sm6-titanx", {"channel_hash": "linear", "set_index": "xor"}),
])
def test_streaming_spreads_evenly_over_slices_and_sets(chip, overrides):
    """A stream fills every slice and every set equally under every deterministic hash that is a permutation
    (the set hashes are bijections of the index bits; IPOLY and XOR partition indexing permute power-of-two
    channel counts)."""
    l2 = load_chip(chip, overrides={"l2": overrides} if overrides else None).l2
    n_lines = l2.slices * l2.sets_per_slice * 4
    addr = np.arange(n_lines, dtype=np.uint64) * np.uint64(l2.line_B)
    s, _ = map_l2(addr, l2)
    per_slice = np.bincount(s, minlength=l2.slices)
    assert per_slice.min() == per_slice.max() == n_lines // l2.slices
    sets = set_of(addr, l2)
    per_set = np.bincount(s * l2.sets_per_slice + sets, minlength=l2.slices * l2.sets_per_slice)
    assert per_set.min() == per_set.max() == 4


@pytest.mark.parametrize("hash_", ["fold", "xor", "ipoly", "random"])
def test_channel_hashes_spread_power_of_two_strides(hash_):
    # a 16 KB stride (64 chunks) lands on one channel under linear mapping with 32 channels; the hashes spread it
    lin = load_chip("v100", overrides={"l2": {"channel_hash": "linear"}}).l2
    hsh = load_chip("v100", overrides={"l2": {"channel_hash": hash_}}).l2
    addr = np.arange(4096, dtype=np.uint64) * np.uint64(1 << 14)
    n_lin = len(np.unique(channel_of_slice(map_l2(addr, lin)[0], lin)))
    n_hsh = len(np.unique(channel_of_slice(map_l2(addr, hsh)[0], hsh)))
    assert n_lin == 1 and n_hsh >= 16


@pytest.mark.parametrize("set_index", ["xor", "ipoly", "fermi"])
def test_hashed_set_indexes(set_index):
    # stride of 64 set keys in one slice (768 chunks of 256 B on 12 channels): one set under modulo indexing,
    # many under the hashes (all 64 with XOR and IPOLY; the Fermi hash uses only 5 higher address bits: 32)
    lin = load_chip("gtx1080ti-deepnvm", overrides={"l2": {"set_index": "modulo"}}).l2
    hsh = load_chip("gtx1080ti-deepnvm", overrides={"l2": {"set_index": set_index}}).l2
    addr = np.arange(64 * 16, dtype=np.uint64) * np.uint64(768 * 256)
    assert len(np.unique(map_l2(addr, lin)[0])) == 1
    assert len(np.unique(set_of(addr, lin))) == 1
    assert len(np.unique(set_of(addr, hsh))) == (32 if set_index == "fermi" else 64)
    key = map_l2(addr, hsh)[1]
    hashed = set_keys_for(key, hsh)
    assert ((hashed >> 6) == (key >> 6)).all()  # only the set bits change: the key's higher bits stay


@pytest.mark.parametrize("l2_MB", [3, 7, 9, 10])
def test_fold_set_index_spreads_strides_for_any_set_count(l2_MB):
    """The preset's "fold" index. A power-of-two stride camps in a few sets under the plain modulo index when the
    set count shares its power-of-two factor (3 MB = 64 sets, 9 MB = 192); "fold" spreads it over nearly every
    set at any set count (7 MB = 149, 10 MB = 213 too), and a streaming trace still fills every set of every
    slice equally."""
    fold = load_chip("gtx1080ti-deepnvm", l2_MB=l2_MB).l2
    assert fold.set_index == "fold"
    lin = load_chip("gtx1080ti-deepnvm", l2_MB=l2_MB, overrides={"l2": {"set_index": "modulo"}}).l2
    sets = fold.sets_per_slice
    addr = np.arange(4 * sets, dtype=np.uint64) * np.uint64(768 * 256 * 64)   # one channel, stride 2^k lines
    if sets % 64 == 0:
        assert len(np.unique(set_of(addr, lin))) <= sets // 64
    assert len(np.unique(set_of(addr, fold))) >= 0.6 * sets
    stream = np.arange(fold.slices * sets * 8, dtype=np.uint64) * np.uint64(128)
    slice_, _ = map_l2(stream, fold)
    per = np.bincount(slice_ * sets + set_of(stream, fold), minlength=fold.slices * sets)
    assert per.min() == per.max() == 8


def test_ipoly_set_count_error():
    """GPGPU-Sim's IPOLY set index exists for 16, 32 and 64 sets only: a capacity (or a table) giving another
    count is an error on ``l2.set_index`` naming the supported counts; 1.5 MB (32 sets) and 0.75 MB (16) work."""
    assert load_chip("sm6-titanx", l2_MB=1.5).l2.sets_per_slice == 32
    assert load_chip("sm6-titanx", l2_MB=0.75).l2.sets_per_slice == 16
    for kw in ({"l2_MB": 6}, {"l2_MB": 7}, {"overrides": {"l2": {"sets_per_slice": 48}}}):
        with pytest.raises(ConfigError) as err:
            load_chip("sm6-titanx", **kw)
        assert err.value.field == "l2.set_index"
        assert "16, 32 or 64 sets" in str(err.value)
    with pytest.raises(ConfigError, match=r"^l2.set_index: 'fermi' .*32 or 64 sets.*gives 16"):
        load_chip("sm6-titanx", overrides={"l2": {"set_index": "fermi", "sets_per_slice": 16}})
    with pytest.raises(ConfigError, match=r"^l2.set_index: 'xor' needs a power-of-two .*4.125 MB gives 96"):
        load_chip("gtx1080-gpgpusim", l2_MB=4.125, overrides={"l2": {"set_index": "xor"}})
    # "modulo" and "fold" take any count
    assert load_chip("sm6-titanx", l2_MB=7, overrides={"l2": {"set_index": "fold"}}).l2.sets_per_slice == 149


def test_channel_hash_errors():
    with pytest.raises(ConfigError, match=r"^l2.channel_hash: 'xor' .*power-of-two number of channels, got 12"):
        load_chip("sm6-titanx", overrides={"l2": {"channel_hash": "xor"}})
    with pytest.raises(ConfigError, match=r"^l2.channel_hash: 'ipoly' .*128 slices.*16, 32 or 64"):
        load_chip("a100-40gb", overrides={"l2": {"channel_hash": "ipoly"}})
    with pytest.raises(ConfigError, match=r"^l2.channel_hash: must be one of"):
        load_chip("sm6-titanx", overrides={"l2": {"channel_hash": "pae"}})
    with pytest.raises(ConfigError, match=r"^l2.slices_per_channel: must be a power of two"):
        load_chip("sm6-titanx", overrides={"l2": {"slices_per_channel": 3}})
    with pytest.raises(ConfigError, match=r"^l2.slices_per_channel: at most 16"):
        load_chip("sm6-titanx", overrides={"l2": {"slices_per_channel": 32, "set_index": "modulo"}})
    for bad in (-1, 1.5, "one", 2**64):
        with pytest.raises(ConfigError, match=r"^l2.hash_seed"):
            load_chip("sm6-titanx", overrides={"l2": {"hash_seed": bad}})
    c = load_chip("gtx1080ti-deepnvm", overrides={"l2": {"set_index": "ipoly", "channel_hash": "random"}})
    assert (c.l2.set_index, c.l2.channel_hash, c.l2.hash_seed) == ("ipoly", "random", 1)
    assert load_chip(c, l2_MB=1.5).l2.channel_hash == "random"


@pytest.mark.parametrize("set_bits", [1, 5, 6, 7, 8, 13, 19])
def test_fold_hash_is_the_xor_of_every_chunk_of_the_key(set_bits):
    """The "fold" set key by its definition, written as the plain loop over the key's ``set_bits``-wide chunks:
    the low chunk becomes the XOR of all of them, the key above it stays (keys of 20 to 62 bits)."""
    from simulator.gpu.kernels.address import SET_FOLD, set_keys

    def folded(k: int) -> int:
        low, rest = k & ((1 << set_bits) - 1), k >> set_bits
        while rest:
            low ^= rest & ((1 << set_bits) - 1)
            rest >>= set_bits
        return (k >> set_bits << set_bits) | low

    rng = np.random.default_rng(set_bits)
    key = np.concatenate([rng.integers(0, 1 << bits, 500) for bits in (20, 33, 48, 62)])
    out = np.empty_like(key)
    set_keys(key, SET_FOLD, set_bits, np.zeros(0, np.uint64), 7, out)
    assert out.tolist() == [folded(int(k)) for k in key]
