"""Chip presets and config validation (figures from DeepNVM++ Table IV and GPGPU-Sim's Pascal configs)."""

from __future__ import annotations

import pytest

from models.errors import ConfigError, FileFormatError
from simulator.gpu.chip import PRESET_DIR, load_chip, preset_names


def test_deepnvm_preset_matches_table_iv():
    # DeepNVM++ Sec. III-D Table IV: 28 cores, L1 48 KB 128 B 6-way, L2 128 KB per slice 16-way, 3 MB,
    # clocks 1481/2962/1481/2750 MHz
    c = load_chip("gtx1080ti-deepnvm")
    assert c.n_sms == 28
    assert (c.l1.capacity_B, c.l1.line_B, c.l1.ways, c.l1.sets) == (48 * 1024, 128, 6, 64)
    assert (c.l1.write_back, c.l1.write_allocate) == (False, False)
    assert c.l2.slice_B == 128 * 1024 and c.l2.ways == 16 and c.l2.line_B == 128
    assert c.l2.capacity_B == 3 * 2**20 and c.l2.slices == 24
    assert (c.l2.write_back, c.l2.write_allocate) == (True, True)
    assert (c.clocks.core_MHz, c.clocks.icnt_MHz, c.clocks.l2_MHz, c.clocks.dram_MHz) == (1481, 2962, 1481, 2750)
    assert c.dram.type == "GDDR5X"


def test_real_cards():
    # GPGPU-Sim SM6_GTX1080: 11 channels x 2 slices x 128 KB = 2816 KB; 484 GB/s
    g = load_chip("gtx1080ti")
    assert g.l2.capacity_B == 2816 * 1024 and g.dram.bandwidth_GBps == 484
    # gpu.md Sec. 5 table: V100 6 MB / 900 GB/s, A100 40 MB / 1555, H100 50 MB / 3350, RTX 4090 72 MB / 1008
    for name, mb, bw, sms in (("v100", 6, 900, 80), ("a100-40gb", 40, 1555, 108), ("h100-sxm", 50, 3350, 132),
                              ("rtx4090", 72, 1008, 128)):
        c = load_chip(name)
        assert (c.l2.capacity_B, c.dram.bandwidth_GBps, c.n_sms) == (mb * 2**20, bw, sms)
    assert set(preset_names()) >= {"gtx1080ti-deepnvm", "gtx1080ti", "v100", "a100-40gb", "h100-sxm", "rtx4090"}


def test_l2_capacity_rule():
    sets = [load_chip("gtx1080ti-deepnvm", l2_MB=mb).l2.sets_per_slice for mb in (3, 6, 12, 24)]
    assert sets == [64, 128, 256, 512]  # power-of-two multiples double the sets per slice
    c7 = load_chip("gtx1080ti-deepnvm", l2_MB=7)
    assert c7.l2.sets_per_slice == 149 and abs(c7.l2.capacity_B / (7 * 2**20) - 1) < 0.01
    c10 = load_chip("gtx1080ti-deepnvm", l2_MB=10)
    assert c10.l2.sets_per_slice == 213 and c10.l2.ways == 16 and c10.l2.slices == 24
    with pytest.raises(ConfigError, match="l2_MB"):
        load_chip("gtx1080ti-deepnvm", l2_MB=0.001)
    with pytest.raises(ConfigError, match="l2_MB"):
        load_chip("gtx1080ti-deepnvm", l2_MB=-3)


def test_overrides_and_capacity_kb():
    c = load_chip("gtx1080ti-deepnvm", overrides={"l2": {"ways": 8}, "n_sms": 14})
    assert c.l2.ways == 8 and c.n_sms == 14 and c.l2.capacity_B == 3 * 2**20 // 2
    c = load_chip("gtx1080ti", overrides={"l1": {"capacity_KB": 96, "ways": 12}})
    assert c.l1.sets == 64


@pytest.mark.parametrize("overrides,field", [
    ({"clocks": {"core_MHz": 0}}, "clocks.core_MHz"),
    ({"clocks": {"l2_MHz": -5}}, "clocks.l2_MHz"),
    ({"l2": {"ways": 0}}, "l2.ways"),
    ({"l2": {"line_B": 100}}, "l2.line_B"),
    ({"l2": {"bogus": 1}}, "l2.bogus"),
    ({"colour": "red"}, "colour"),
    ({"l2": {"write_policy": "write-around"}}, "l2.write_policy"),
    ({"l2": {"channel_hash": "pae"}}, "l2.channel_hash"),
    ({"l2": {"set_index": "xor", "sets_per_slice": 48}}, "l2.set_index"),
    ({"l2": {"set_index": "ipoly", "sets_per_slice": 128}}, "l2.set_index"),
    ({"l2": {"write_allocate": "eager"}}, "l2.write_allocate"),
    ({"l2": {"write_allocate": "lazy"}}, "l2.write_allocate"),   # a whole-line L2
    ({"l1": {"skip_global_loads": 1}}, "l1.skip_global_loads"),
    ({"l2": {"hash_seed": -1}}, "l2.hash_seed"),
    ({"l1": {"capacity_KB": 50}}, "l1.capacity_KB"),
    ({"dram": {"bandwidth_GBps": "fast"}}, "dram.bandwidth_GBps"),
    ({"n_sms": 2.5}, "n_sms"),
    ({"sector_B": 48}, "sector_B"),
    ({"l2": {"policy": "plru"}}, "l2.policy"),
    ({"l1": {"policy": 3}}, "l1.policy"),
])
def test_bad_values_name_the_field(overrides, field):
    with pytest.raises(ConfigError) as err:
        load_chip("gtx1080ti-deepnvm", overrides=overrides)
    assert err.value.field == field
    assert str(err.value).startswith(field + ":")


def test_capacity_not_divisible(tmp_path):
    text = (PRESET_DIR / "gtx1080ti.toml").read_text()
    text = text.replace("sets_per_slice = 64", "capacity_KB = 3000")
    p = tmp_path / "mychip.toml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=r"^l2.capacity_KB: .*divisible"):
        load_chip(p)
    p.write_text(text.replace("capacity_KB = 3000", "capacity_KB = 2816"))
    assert load_chip(p).l2.sets_per_slice == 64
    with pytest.raises(ConfigError, match="l2_MB"):
        load_chip(p, l2_MB=1e-4)


def test_unknown_preset_lists_valid_names():
    with pytest.raises(ConfigError, match="gtx1080ti-deepnvm") as err:
        load_chip("gtx9999")
    assert err.value.field == "chip"
    with pytest.raises(ConfigError):
        load_chip("systolic-256")  # a preset of another kind is not a GPU
    with pytest.raises(FileFormatError):
        load_chip("/nonexistent/chip.toml")


def test_replacement_policy_fields():
    """``l1.policy`` / ``l2.policy``: LRU in every preset (GPGPU-Sim's 'L'), FIFO by override or in a file; an
    unknown name is reported on the dotted field with the valid names."""
    for name in preset_names():
        c = load_chip(name)
        assert (c.l1.policy, c.l2.policy) == ("lru", "lru"), name
    c = load_chip("gtx1080ti-deepnvm", overrides={"l2": {"policy": "fifo"}})
    assert (c.l1.policy, c.l2.policy) == ("lru", "fifo")
    assert load_chip(c, l2_MB=6).l2.policy == "fifo"  # resizing keeps the policy
    with pytest.raises(ConfigError) as err:
        load_chip("gtx1080ti", overrides={"l1": {"policy": "random"}})
    assert str(err.value) == "l1.policy: unknown replacement policy 'random' (valid: fifo, lru)"


def test_policy_defaults_to_lru_in_a_file_without_it(tmp_path):
    text = (PRESET_DIR / "gtx1080ti.toml").read_text()
    lines = [ln for ln in text.splitlines() if not ln.startswith("policy")]
    p = tmp_path / "nopolicy.toml"
    p.write_text("\n".join(lines))
    c = load_chip(p)
    assert (c.l1.policy, c.l2.policy) == ("lru", "lru")
    p.write_text("\n".join(lines).replace('write_policy = "write-back"', 'write_policy = "write-back"\npolicy = "fifo"',
                                          1))  # the first write-back table is [l2]
    assert load_chip(p).l2.policy == "fifo"


def test_sm6_titanx_preset():
    """Accel-Sim's SM6_TITANX (gpgpusim.config): 28 SMs; dl2 S:64:128:16,L:B:m:L:P per sub-partition, 12 x 2 of
    them = 3 MB; RANDOM partition indexing (seed 1); L1 S:4:128:96 skipped by global accesses; clocks
    1417:1417:1417:2500; ROP 120 and DRAM 100 core cycles; 12 x 4 B x 4 x 2500 MHz = 480 GB/s."""
    c = load_chip("sm6-titanx")
    assert (c.n_sms, c.sector_B) == (28, 32)
    assert (c.clocks.core_MHz, c.clocks.icnt_MHz, c.clocks.l2_MHz, c.clocks.dram_MHz) == (1417, 1417, 1417, 2500)
    l2 = c.l2
    assert (l2.channels, l2.slices_per_channel, l2.sets_per_slice, l2.ways, l2.line_B) == (12, 2, 64, 16, 128)
    assert l2.capacity_B == 3 * 2**20 and l2.slice_B == 128 * 1024
    assert (l2.write_back, l2.write_allocate, l2.write_allocate_mode, l2.policy) == (True, True, "lazy", "lru")
    assert (l2.channel_hash, l2.hash_seed, l2.set_index, l2.chunk_B) == ("random", 1, "ipoly", 256)
    assert l2.rop_latency_cycles == 120
    assert round(c.dram.latency_ns * c.clocks.core_MHz / 1000) == 100 and c.dram.bandwidth_GBps == 480
    assert (c.l1.sets, c.l1.ways, c.l1.capacity_B, c.l1.hit_latency_cycles) == (4, 96, 48 * 1024, 82)
    assert (c.l1.write_back, c.l1.write_allocate, c.l1.skip_global_loads, c.l1.enabled) == (False, False, True, True)
    assert c.l1_bypassed
    from simulator.gpu.timing import lat_cycles
    assert lat_cycles(l2.read_latency_ns, c.clocks.l2_MHz) == lat_cycles(l2.write_latency_ns, c.clocks.l2_MHz) == 1


def test_gtx1080_gpgpusim_preset():
    """GPGPU-Sim's SM6_GTX1080: 11 x 2 slices of N:64:128:16,L:B:m:W:L (2.75 MB, whole lines, naive write-allocate,
    linear index), consecutive partitions, -gmem_skip_L1D 1, clocks 1481:2962:1481:2750, 484 GB/s."""
    c = load_chip("gtx1080-gpgpusim")
    assert (c.n_sms, c.sector_B) == (28, None)
    assert (c.clocks.core_MHz, c.clocks.icnt_MHz, c.clocks.l2_MHz, c.clocks.dram_MHz) == (1481, 2962, 1481, 2750)
    l2 = c.l2
    assert (l2.channels, l2.slices_per_channel, l2.sets_per_slice, l2.ways) == (11, 2, 64, 16)
    assert l2.capacity_B == 2816 * 1024
    assert (l2.write_back, l2.write_allocate_mode, l2.channel_hash, l2.set_index) == (True, "naive", "linear",
                                                                                     "modulo")
    assert l2.rop_latency_cycles == 120 and c.dram.bandwidth_GBps == 484
    assert (c.l1.sets, c.l1.ways, c.l1.capacity_B) == (64, 6, 48 * 1024) and c.l1_bypassed


def test_write_allocate_modes_and_l1_skip():
    """``write_allocate``: true keeps nvmsim's old meaning (lazy when sectored, fetch-on-write otherwise), a mode
    name chooses; ``l1.skip_global_loads`` and ``l1.enabled = false`` both bypass the L1."""
    assert load_chip("gtx1080ti-deepnvm", overrides={"l2": {"write_allocate": True}}).l2.write_allocate_mode == \
        "fetch_on_write"
    assert load_chip("v100").l2.write_allocate_mode == "lazy"
    c = load_chip("v100", overrides={"l2": {"write_allocate": "naive"}})
    assert (c.l2.write_allocate, c.l2.write_allocate_mode) == (True, "naive")
    c = load_chip("v100", overrides={"l2": {"write_allocate": False}})
    assert (c.l2.write_allocate, c.l2.write_allocate_mode) == (False, "none")
    assert load_chip("v100", overrides={"l2": {"write_allocate": "fetch_on_write"}}).l2.write_allocate
    with pytest.raises(ConfigError, match=r"^l2.write_allocate: 'lazy' .*sectored"):
        load_chip("gtx1080-gpgpusim", overrides={"l2": {"write_allocate": "lazy"}})
    assert not load_chip("v100").l1_bypassed
    assert load_chip("v100", overrides={"l1": {"enabled": False}}).l1_bypassed
    assert load_chip("v100", overrides={"l1": {"skip_global_loads": True}}).l1_bypassed
