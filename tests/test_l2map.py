"""L2 address mapping: GPGPU-Sim's linear decoding (gpu.md 1.4) and even spreading of streams."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.gpu.chip import load_chip
from simulator.gpu.l2map import channel_of_slice, map_l2, set_of


def test_gtx1080_formula():
    # GPGPU-Sim SM6_GTX1080 (11 channels, 2 sub-partitions, linear): slice = 2*((addr>>8) mod 11) + bit7(addr),
    # set = ((addr >> 8) / 11) mod 64
    l2 = load_chip("gtx1080ti").l2
    addr = np.random.default_rng(0).integers(0, 1 << 34, 5000).astype(np.uint64)
    s, _ = map_l2(addr, l2)
    a = addr.astype(object)
    assert s.tolist() == [2 * ((x >> 8) % 11) + ((x >> 7) & 1) for x in a]
    assert set_of(addr, l2).tolist() == [((x >> 8) // 11) % 64 for x in a]
    assert channel_of_slice(s, l2).tolist() == [(x >> 8) % 11 for x in a]


@pytest.mark.parametrize("chip,hashed", [("gtx1080ti-deepnvm", False), ("gtx1080ti", False), ("v100", True)])
def test_streaming_spreads_evenly_over_slices_and_sets(chip, hashed):
    l2 = load_chip(chip).l2
    assert (l2.channel_hash == "xor") == hashed
    n_lines = l2.slices * l2.sets_per_slice * 4
    addr = np.arange(n_lines, dtype=np.uint64) * np.uint64(l2.line_B)
    s, _ = map_l2(addr, l2)
    per_slice = np.bincount(s, minlength=l2.slices)
    assert per_slice.min() == per_slice.max() == n_lines // l2.slices
    sets = set_of(addr, l2)
    per_set = np.bincount(s * l2.sets_per_slice + sets, minlength=l2.slices * l2.sets_per_slice)
    assert per_set.min() == per_set.max() == 4


def test_xor_hash_spreads_power_of_two_strides():
    # a 16 KB stride (64 chunks) lands on one channel under linear mapping with 32 channels; the hash spreads it
    lin = load_chip("v100", overrides={"l2": {"channel_hash": "linear"}}).l2
    hsh = load_chip("v100").l2
    addr = np.arange(4096, dtype=np.uint64) * np.uint64(1 << 14)
    n_lin = len(np.unique(channel_of_slice(map_l2(addr, lin)[0], lin)))
    n_hsh = len(np.unique(channel_of_slice(map_l2(addr, hsh)[0], hsh)))
    assert n_lin == 1 and n_hsh >= 16


def test_xor_set_index():
    # stride of 64 set keys in one slice (768 chunks of 256 B on 12 channels): one set under modulo indexing,
    # all 64 sets with the XOR set index
    lin = load_chip("gtx1080ti-deepnvm", overrides={"l2": {"set_index": "modulo"}}).l2
    hsh = load_chip("gtx1080ti-deepnvm", overrides={"l2": {"set_index": "xor"}}).l2
    addr = np.arange(64 * 16, dtype=np.uint64) * np.uint64(768 * 256)
    assert len(np.unique(map_l2(addr, lin)[0])) == 1
    assert len(np.unique(set_of(addr, lin))) == 1
    assert len(np.unique(set_of(addr, hsh))) == 64


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
