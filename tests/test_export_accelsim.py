"""Export to Accel-Sim traces: exact text of a hand-computed kernel, the structure Accel-Sim's trace parser needs, the
round trip through ``read_accelsim`` on a zoo network, kernel selection, refusals that leave nothing behind, and the
CLI's one-line errors (exit 2) for bad exports and bad Accel-Sim traces.

Oracles: the Pascal coalescer (32 consecutive fp32 = 128 B = 4 sectors; one request per distinct 32 B sector of a
warp instruction) and Accel-Sim's trace front end (gpu-simulator/trace-parser: ``insts = k`` sizes a warp, every
warp of a block needs an instruction, a warp retires on an EXIT of all its threads).
"""

from __future__ import annotations

import collections
import lzma
import os
import re

import pytest

from models.errors import ConfigError
from simulator.cli import main
from traces import gpu_trace, network_trace, read_accelsim, write_accelsim
from traces.exporters import accelsim as exporter
from workloads.ops import Elementwise, Tensor

BIG_SMS = 1 << 20  # with this many SMs a kernel is one wave and sm == CTA index, in nvmsim and in the readback


def _text(path) -> str:
    with lzma.open(path, "rt") as f:
        return f.read()


def _relu300():
    x, y = Tensor("x", (300,)), Tensor("y", (300,))
    return gpu_trace([Elementwise("relu", "l", "forward", "relu", (x,), (y,))], sector_B=32)


def _blocks(text: str):
    """{cta: {warp: [instruction lines]}} of a .traceg, checking the structure Accel-Sim's parser relies on."""
    assert text.endswith("\n")
    blocks: dict[int, dict[int, list[str]]] = {}
    declared: dict[tuple[int, int], int] = {}
    cur = warp = None
    for line in text.splitlines():
        if not line or line.startswith("-") or line.startswith("#traces"):
            continue
        if line == "#BEGIN_TB":
            assert cur is None
            cur = -1
        elif line == "#END_TB":
            assert cur is not None and sorted(blocks[cur]) == list(range(8))
            cur = None
        elif line.startswith("thread block = "):
            x, y, z = map(int, line.split("=")[1].split(","))
            assert (y, z) == (0, 0) and x not in blocks
            cur = x
            blocks[cur] = {}
        elif line.startswith("warp = "):
            warp = int(line.split("=")[1])
            blocks[cur][warp] = []
        elif line.startswith("insts = "):
            declared[cur, warp] = int(line.split("=")[1])
        else:
            blocks[cur][warp].append(line)
    for cta, warps in blocks.items():
        for w, lines in warps.items():
            assert len(lines) == declared[cta, w]
            assert lines[-1].endswith(" ffffffff 0 EXIT 0 0") and sum("EXIT" in s for s in lines) == 1
    return blocks


def test_elementwise_300_fp32_by_hand(tmp_path):
    # relu over 300 fp32: T = 300 threads -> 10 warps -> 2 CTAs of 256 threads. Warps 0..8 read x[32w:32w+32]
    # (128 B, one line: 4 sectors, one LDG with 32 lanes) and write y likewise; warp 9 covers elements 288..299,
    # bytes 1152..1199 of each tensor: sectors 36 and 37 (16 lanes, mask 0000ffff). Warps 10..15 (CTA 1, warps
    # 2..7) have no elements: just EXIT. So 16 warps, 10 LDG + 10 STG + 16 EXIT = 36 lines, 38 + 38 sectors. Each
    # store writes the register its warp's load filled (R4): it waits for the load, as y = relu(x) does.
    tr = _relu300()
    df = write_accelsim(tr, tmp_path / "out")
    assert (tmp_path / "out" / "kernelslist.g").read_text() == "kernel-1.traceg.xz\n"
    row = df.iloc[0]
    assert (row.kernel, row.trace_file, row.ctas, row.warps, row.warp_insts, row.mem_insts, row.reads, row.writes) \
        == (0, "kernel-1.traceg.xz", 2, 16, 36, 20, 38, 38)
    text = _text(tmp_path / "out" / "kernel-1.traceg.xz")
    header = text.split("\n\n")[0].splitlines()
    assert header == ["-kernel name = relu_kernel", "-kernel id = 1", "-grid dim = (2,1,1)", "-block dim = (256,1,1)",
                      "-shmem = 0", "-nregs = 32", "-binary version = 61", "-cuda stream id = 0",
                      "-shmem base_addr = 0x00007f2b5a000000", "-local mem base_addr = 0x00007f2b58000000",
                      "-nvbit version = 1.5.5", "-accelsim tracer version = 4", "-enable lineinfo = 0"]
    blocks = _blocks(text)
    x, y = tr.addresses["x"], tr.addresses["y"]
    assert sorted(blocks) == [0, 1]
    for w in range(8):
        assert blocks[0][w] == [f"0008 ffffffff 1 R4 LDG.E 1 R2 4 1 0x{x + 128 * w:x} 4",
                                f"0010 ffffffff 0 STG.E 2 R2 R4 4 1 0x{y + 128 * w:x} 4",
                                "0018 ffffffff 0 EXIT 0 0"]
    assert blocks[1][0] == [f"0008 ffffffff 1 R4 LDG.E 1 R2 4 1 0x{x + 1024:x} 4",
                            f"0010 ffffffff 0 STG.E 2 R2 R4 4 1 0x{y + 1024:x} 4", "0018 ffffffff 0 EXIT 0 0"]
    assert blocks[1][1] == [f"0008 0000ffff 1 R4 LDG.E 1 R2 4 1 0x{x + 1152:x} 4",
                            f"0010 0000ffff 0 STG.E 2 R2 R4 4 1 0x{y + 1152:x} 4", "0018 ffffffff 0 EXIT 0 0"]
    for w in range(2, 8):
        assert blocks[1][w] == ["0018 ffffffff 0 EXIT 0 0"]
    assert "\n#BEGIN_TB\n\nthread block = 1,0,0\n\nwarp = 0\ninsts = 3\n" in text


def test_one_sector_is_eight_lanes_and_a_run_stops_at_the_line(tmp_path):
    # 40 fp32 from a 256 B-aligned base: warp 0 covers bytes 0..127 (4 sectors, one instruction), warp 1 bytes
    # 128..159: a single sector -> 8 active lanes.
    x, y = Tensor("x", (40,)), Tensor("y", (40,))
    tr = gpu_trace([Elementwise("copy", "l", "forward", "copy", (x,), (y,))], sector_B=32)
    write_accelsim(tr, tmp_path / "o")
    warps = _blocks(_text(tmp_path / "o" / "kernel-1.traceg.xz"))[0]
    assert warps[1][0] == f"0008 000000ff 1 R4 LDG.E 1 R2 4 1 0x{tr.addresses['x'] + 128:x} 4"


def _requests(chunks, kernel_offset=0):
    out = collections.Counter()
    for c in chunks:
        out.update(zip((c.kernel + kernel_offset).tolist(), c.sm.tolist(), c.addr.tolist(), c.is_write.tolist(),
                       strict=True))
    return out


def test_round_trip_lenet5_training_same_requests_per_cta(tmp_path):
    tr = network_trace("lenet5", phase="training", batch=2, sector_B=32, n_sms=BIG_SMS)
    df = write_accelsim(tr, tmp_path / "lenet")
    assert df["requests"].tolist() == tr.kernels["requests"].tolist()
    assert df["ctas"].tolist() == tr.kernels["ctas"].tolist()
    assert set(tr.kernels["name"]) >= {"sgemm_128x128x8_nn", "sgemm_128x128x8_nt", "sgemm_128x128x8_tn",
                                       "col2im_gpu_kernel", "sgd_kernel"}
    lines = (tmp_path / "lenet" / "kernelslist.g").read_text().splitlines()
    assert lines == [f"kernel-{k + 1}.traceg.xz" for k in range(len(tr.specs))]
    # (kernel id + 1, CTA, address, is_write): the same multiset, CTA by CTA.
    back = list(read_accelsim(tmp_path / "lenet" / "kernelslist.g", n_sms=BIG_SMS))
    assert _requests(back) == _requests(tr, kernel_offset=1)
    # CTA-major order within each kernel (nvmsim interleaves a wave's CTAs step by step).
    for c in back:
        for k in set(c.kernel.tolist()):
            cta = c.sm[c.kernel == k]
            assert (cta[1:] >= cta[:-1]).all()
    # With the simulator's 28 SMs both sides agree on (kernel, sm, address, is_write) too.
    tr28 = network_trace("lenet5", phase="training", batch=2, sector_B=32)
    assert _requests(read_accelsim(tmp_path / "lenet" / "kernelslist.g", n_sms=28)) == _requests(tr28, 1)


def test_pcs_registers_dependencies_and_warp_spread_are_consistent(tmp_path):
    tr = network_trace("lenet5", phase="training", batch=2, sector_B=32)
    sgd = next(k for k, s in enumerate(tr.specs) if s.name == "sgd_kernel")  # W -= lr * dW, in place
    sel = [k for k, s in enumerate(tr.specs) if s.kind == "sgemm"][:4] + [0, sgd]
    write_accelsim(tr, tmp_path / "o", kernels=sel)
    assert " STG.E 3 R2 R4 R5 " in _text(tmp_path / "o" / f"kernel-{sgd + 1}.traceg.xz")
    inst = re.compile(r"^([0-9a-f]{4,}) ([0-9a-f]{8}) (\d)(?: R(\d+))? (\S+) (\d)((?: R\d+)*) ")
    for k in sel:
        spec = tr.specs[k]
        sgemm = spec.kind == "sgemm"
        blocks = _blocks(_text(tmp_path / "o" / f"kernel-{k + 1}.traceg.xz"))
        assert len(blocks) == spec.ctas
        op_of_pc: dict[str, str] = {}
        for warps in blocks.values():
            bars = set()
            for lines in warps.values():
                regs = []
                last = None  # the register of the warp's last load in this step (a step ends at a BAR.SYNC)
                of_line: dict[int, int] = {}  # line -> the register of the step's last load of it
                n_bar = 0
                for i, line in enumerate(lines):
                    pc, mask, ndst, reg, op, nsrc, srcs = inst.match(line).groups()
                    srcs = [int(r) for r in srcs.split(" R")[1:]]
                    assert op_of_pc.setdefault(pc, op) == op  # one opcode per PC, in every warp and CTA
                    assert mask in ("000000ff", "0000ffff", "00ffffff", "ffffffff") and int(nsrc) == len(srcs)
                    if op in ("LDG.E", "STG.E"):
                        lin = int(line.split(" 0x")[1].split()[0], 16) // 128
                    if op == "LDG.E":
                        regs.append(int(reg))
                        last = of_line[lin] = int(reg)
                    elif op == "STG.E":  # stores a value of the step's loads: the same line's last, then the last
                        want = [of_line[lin]] + ([last] if last != of_line[lin] else []) if lin in of_line else \
                            [last or 0]
                        assert ndst == "0" and srcs == [2, *want]
                    elif op == "MOV":  # the wait before a barrier reads the step's last load, and only then
                        assert sgemm and last is not None and (ndst, reg, srcs) == ("1", "3", [last])
                        assert lines[i + 1].endswith(" BAR.SYNC 0 0")
                    elif op == "BAR.SYNC":
                        n_bar += 1
                        last = None
                        of_line.clear()
                    else:
                        assert op == "EXIT" and ndst == "0"
                bars.add(n_bar)
                nregs = exporter.NREGS[spec.params[0]]
                # loads write R4, R5, ... in turn, wrapping at nregs: no two loads in flight share a register
                assert regs == [4 + i % (nregs - 4) for i in range(len(regs))]
            # every warp of an SGEMM CTA meets the same barriers: one after each k-step
            assert bars == ({-(-int(spec.params[1][exporter.K.G_K]) // 8)} if sgemm else {0})
            if sgemm:
                assert all(len(lines) > 1 for lines in warps.values())  # a k-step's loads reach all 8 warps


def test_kernel_selection_by_range_and_layer(tmp_path):
    tr = network_trace("lenet5", phase="inference", batch=1, sector_B=32)
    df = write_accelsim(tr, tmp_path / "a", kernels=slice(5, 8))
    assert df["kernel"].tolist() == [5, 6, 7]
    assert (tmp_path / "a" / "kernelslist.g").read_text().split() == ["kernel-6.traceg.xz", "kernel-7.traceg.xz",
                                                                       "kernel-8.traceg.xz"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["kernel-6.traceg.xz", "kernel-7.traceg.xz",
                                                                  "kernel-8.traceg.xz", "kernelslist.g"]
    conv2 = [s.kernel for s in tr.specs if s.layer == "conv2"]
    df = write_accelsim("lenet5", tmp_path / "b", phase="inference", batch=1, layer="conv2")
    assert df["kernel"].tolist() == conv2 and set(df["layer"]) == {"conv2"}
    assert _requests(read_accelsim(tmp_path / "b" / "kernelslist.g")) == _requests(
        (c for k in conv2 for c in tr.iter_kernel(k)), 1)
    df = write_accelsim(tr, tmp_path / "c", kernels=slice(None, 6), layer="conv2")
    assert df["kernel"].tolist() == [k for k in conv2 if k < 6]
    with pytest.raises(ConfigError, match="layer: no kernel of layer 'conv9'; layers: conv1, conv1.relu"):
        write_accelsim(tr, tmp_path / "d", layer="conv9")
    with pytest.raises(ConfigError, match="kernels: 0:99 is outside the trace's kernel ids 0..18"):
        write_accelsim(tr, tmp_path / "d", kernels=slice(0, 99))
    with pytest.raises(ConfigError, match="selection holds no kernel"):
        write_accelsim(tr, tmp_path / "d", kernels=[0, 1], layer="fc3")
    with pytest.raises(ConfigError, match="source: must be a GpuTrace"):
        write_accelsim(iter(tr), tmp_path / "d")
    assert not (tmp_path / "d").exists()


def _leftovers(parent):
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_refuses_a_non_empty_or_unwritable_directory_and_leaves_nothing(tmp_path, monkeypatch):
    tr = _relu300()
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine\n")
    with pytest.raises(ConfigError, match=f"{full}: is not empty .*notes.txt"):
        write_accelsim(tr, full)
    assert [p.name for p in full.iterdir()] == ["notes.txt"] and _leftovers(tmp_path) == []

    (tmp_path / "afile").write_text("x")
    with pytest.raises(ConfigError, match="unwritable: cannot create a directory"):
        write_accelsim(tr, tmp_path / "afile" / "out")
    with pytest.raises(ConfigError, match="exists and is not a directory"):
        write_accelsim(tr, tmp_path / "afile")

    ro = tmp_path / "ro"
    ro.mkdir()

    def deny(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(exporter.Path, "mkdir", deny)  # as a read-only parent answers, even to root
    with pytest.raises(ConfigError, match="unwritable: cannot create a directory in .*Permission denied"):
        write_accelsim(tr, ro / "out")
    monkeypatch.undo()
    assert list(ro.iterdir()) == [] and _leftovers(tmp_path) == []

    # An existing empty directory is filled (replaced atomically).
    empty = tmp_path / "empty"
    empty.mkdir()
    write_accelsim(tr, empty)
    assert sorted(p.name for p in empty.iterdir()) == ["kernel-1.traceg.xz", "kernelslist.g"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_refuses_a_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(ConfigError, match="unwritable|not writable"):
            write_accelsim(_relu300(), ro / "out")
        with pytest.raises(ConfigError, match="not writable"):
            write_accelsim(_relu300(), ro)
    finally:
        ro.chmod(0o755)


def test_a_failure_midway_leaves_nothing_behind(tmp_path, monkeypatch):
    tr = network_trace("lenet5", phase="inference", batch=1, sector_B=32)
    real = exporter._write_kernel
    calls = []

    def flaky(spec, folder):
        calls.append(spec.kernel)
        if len(calls) == 3:
            raise KeyboardInterrupt  # a kill or Ctrl-C in the middle of the third kernel
        return real(spec, folder)

    monkeypatch.setattr(exporter, "_write_kernel", flaky)
    with pytest.raises(KeyboardInterrupt):
        write_accelsim(tr, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_batches_split_only_between_ctas(tmp_path):
    # Tiny batches: the same text as one batch, so batching never cuts a CTA.
    tr = network_trace("lenet5", phase="inference", batch=1, sector_B=32)
    for spec in (tr.specs[0], tr.specs[1]):
        texts = []
        for size in (1, 1 << 20):
            _, steps = exporter._one_cta_fill(spec)
            kw = exporter._KernelWriter(spec, steps)
            texts.append(b"".join(kw.batch(*b) for b in exporter._cta_batches(spec, size)) + kw.padding())
        assert texts[0] == texts[1] and texts[0].count(b"#BEGIN_TB") == spec.ctas


# ------------------------------------------------------------------------------------------------------------ CLI


def test_cli_export_prints_the_table_and_path(tmp_path, capsys):
    out = tmp_path / "conv2"
    assert main(["trace", "export", "--format", "accelsim", str(out), "--network", "lenet5", "--layer", "conv2",
                 "--csv", str(tmp_path / "k.csv")]) == 0
    text = capsys.readouterr().out
    assert "kernel-7.traceg.xz" in text and "sgemm_128x128x8_nn" in text and f"# {out}: kernelslist.g + 3" in text
    assert (out / "kernelslist.g").read_text().split() == ["kernel-6.traceg.xz", "kernel-7.traceg.xz",
                                                           "kernel-8.traceg.xz"]
    assert main(["trace", "export", str(tmp_path / "k01"), "--network", "lenet5", "--kernels", "0:2", "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "k01").iterdir()) == ["kernel-1.traceg.xz", "kernel-2.traceg.xz",
                                                                    "kernelslist.g"]
    # and back: the import verb reads the export
    assert main(["trace", "import", "accelsim", str(out / "kernelslist.g"), "--out", str(tmp_path / "b.parquet"),
                 "--quiet"]) == 0


def _cli_error(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nvmsim: error:") and "\n" not in err
    return err


def test_cli_export_bad_input_is_one_line_exit_2(tmp_path, capsys):
    full = tmp_path / "full"
    full.mkdir()
    (full / "a").write_text("")
    base = ["trace", "export", "--network", "lenet5"]
    assert str(full) in _cli_error([*base, str(full)], capsys)
    assert "--kernels" in _cli_error([*base, str(tmp_path / "o"), "--kernels", "3:x"], capsys)
    assert "--kernels" in _cli_error([*base, str(tmp_path / "o"), "--kernels", "5:2"], capsys)
    assert "kernel ids 0..18" in _cli_error([*base, str(tmp_path / "o"), "--kernels", "15:40"], capsys)
    assert "no kernel of layer 'conv7'" in _cli_error([*base, str(tmp_path / "o"), "--layer", "conv7"], capsys)
    assert "--batch" in _cli_error([*base, str(tmp_path / "o"), "--batch", "0"], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def _bad_traces(tmp_path):
    """(file to import, file the error must name, line, reason) for each kind of bad Accel-Sim trace."""
    write_accelsim(_relu300(), tmp_path / "good")
    text = _text(tmp_path / "good" / "kernel-1.traceg.xz")
    lines = text.splitlines(keepends=True)
    first_ldg = next(i for i, s in enumerate(lines) if "LDG.E" in s)
    first_stg = next(i for i, s in enumerate(lines) if "STG.E" in s)
    end0 = lines.index("#END_TB\n")
    cases = []

    def put(name, body, line, reason, listed=True):
        d = tmp_path / name
        d.mkdir()
        (d / "kernel-1.traceg").write_text(body)
        (d / "kernelslist.g").write_text("kernel-1.traceg\n")
        cases.append((d / ("kernelslist.g" if listed else "kernel-1.traceg"), d / "kernel-1.traceg", line, reason))

    cut = lines[: end0 + 12]  # into the second thread block
    put("cut", "".join(cut), len(cut), "truncated: the file ends inside the thread block opened at line")
    data = lzma.compress(text.encode())
    d = tmp_path / "cutxz"
    d.mkdir()
    (d / "kernel-1.traceg.xz").write_bytes(data[: len(data) // 2])
    (d / "kernelslist.g").write_text("kernel-1.traceg.xz\n")
    cases.append((d / "kernelslist.g", d / "kernel-1.traceg.xz", None, "truncated xz stream"))
    bad = lines.copy()
    bad[first_ldg] = bad[first_ldg].replace(" ffffffff ", " fffzffff ", 1)
    put("mask", "".join(bad), first_ldg + 1, "malformed instruction line: active mask 'fffzffff' is not a 32-bit hex")
    bad = lines.copy()
    bad[first_stg] = bad[first_stg].rsplit(" ", 3)[0] + "\n"  # address fields lost
    put("fields", "".join(bad), first_stg + 1, "malformed instruction line: no address-compression mode", False)
    bad = lines.copy()
    bad[first_stg] = bad[first_stg].replace("STG.E", "STX.E")
    put("opcode", "".join(bad), first_stg + 1, "unknown opcode 'STX.E' with memory operands (width 4 B)")
    bad = lines.copy()
    del bad[first_stg]
    put("insts", "".join(bad), first_stg + 3, "warp 0 of thread block (0,0,0) has 2 instruction lines, its "
                                              "'insts = 3'")
    put("blocks", "".join(lines[: end0 + 1]), end0 + 1, "1 thread blocks (#BEGIN_TB ... #END_TB), grid dim (2,1,1) "
                                                       "launches 2")
    d = tmp_path / "missing"
    d.mkdir()
    (d / "kernelslist.g").write_text("MemcpyHtoD,0x00007f0000000000,256\nkernel-1.traceg\n")
    cases.append((d / "kernelslist.g", d / "kernelslist.g", 2, "kernel trace 'kernel-1.traceg' not found"))
    return cases


def test_cli_import_bad_accelsim_traces_name_file_line_and_reason(tmp_path, capsys):
    for src, named, line, reason in _bad_traces(tmp_path):
        err = _cli_error(["trace", "import", "accelsim", str(src), "--out", str(tmp_path / "x.parquet")], capsys)
        where = f"{named}: line {line}: " if line is not None else f"{named}: line "
        assert where in err and reason in err, (src, err)
        assert not (tmp_path / "x.parquet").exists()


def test_gather_kernel_and_a_line_granular_trace_round_trip(tmp_path):
    # An embedding lookup (a row gather) of BERT, and the first kernels of a trace generated at 128 B lines: the
    # export regenerates them at 32 B sectors, so the readback equals the sector-granular trace.
    bert = network_trace("bert_base", phase="inference", batch=1, sector_B=32)
    kid = next(s.kernel for s in bert.specs if s.op == "embeddings.word.embedding")
    assert bert.specs[kid].params[0] == "gather"
    write_accelsim(bert, tmp_path / "bert", kernels=[kid])
    assert _requests(read_accelsim(tmp_path / "bert" / "kernelslist.g")) == _requests(bert.iter_kernel(kid), 1)

    lines = network_trace("lenet5", phase="inference", batch=1)
    assert lines.unit_B == 128
    write_accelsim(lines, tmp_path / "lenet", kernels=slice(0, 3))
    sectors = network_trace("lenet5", phase="inference", batch=1, sector_B=32)
    want = _requests((c for k in range(3) for c in sectors.iter_kernel(k)), 1)
    assert _requests(read_accelsim(tmp_path / "lenet" / "kernelslist.g")) == want
