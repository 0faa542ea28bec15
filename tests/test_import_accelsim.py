# ruff: noqa: E501  (fixture lines reproduce the tools' real, long CSV/trace lines verbatim)
"""Accel-Sim SASS trace importer on traces written here in the tracer's documented format.

Format: accel-sim-framework ``util/tracer_nvbit`` (tracer version 4 ``.traceg``
header, ``#BEGIN_TB``/``#END_TB`` blocks, instruction lines ``PC mask dest_num
[dests] opcode src_num [srcs] mem_width [mode addresses]`` with address modes
0 = list, 1 = base+stride, 2 = base+deltas relative to the previous active lane).
Expected sectors are worked out by hand in the comments.
"""

from __future__ import annotations

import lzma

import numpy as np
import pytest

from models.errors import FileFormatError
from traces import read_accelsim

HEADER = """-kernel name = {name}
-kernel id = {kid}
-grid dim = ({grid},1,1)
-block dim = ({block},1,1)
-shmem = 0
-nregs = 8
-binary version = 61
-cuda stream id = 0
-shmem base_addr = 0x00007f2b5a000000
-local mem base_addr = 0x00007f2b58000000
-nvbit version = 1.5.5
-accelsim tracer version = {ver}
-enable lineinfo = {li}

#traces format = [line_num] PC mask dest_num [reg_dests] opcode src_num [reg_srcs] mem_width [adrrescompress?] [mem_addresses]

"""

KERNEL1 = HEADER.format(name="_Z4testPf", kid=1, ver=4, li=0, grid=2, block=64) + """#BEGIN_TB

thread block = 0,0,0

warp = 0
insts = 8
0098 ffffffff 1 R4 LDG.E.CG 1 R4 4 1 0x7f0000000000 4
00a0 0000000f 1 R6 LDG.E.64 1 R2 8 0 0x7f0000001000 0x7f0000001008 0x7f0000001100 0x7f0000001010
00a8 00000000 1 R6 LDG.E 1 R2 4 1 0x7f0000005000 4
00b0 ffffffff 1 R7 LDS 1 R2 4 1 0x7f2b5a000000 4
00b8 ffffffff 0 STL 2 R1 R7 4 1 0x7f2b58000000 4
00c0 0000ff00 0 STG.E.128 2 R8 R4 16 2 0x7f0000002000 16 16 16 16 16 16 16
00c8 00000007 1 R9 LDG.E 1 R2 4 2 0x7f0000003040 -64 -64
00d0 ffffffff 0 EXIT 0 0

warp = 1
insts = 2
0098 ffffffff 1 R4 LDG.E.CG 1 R4 4 1 0x7f0000000080 4
00d0 ffffffff 0 EXIT 0 0

#END_TB

#BEGIN_TB

thread block = 1,0,0

warp = 0
insts = 2
00d8 ffffffff 0 STG.E 2 R6 R0 4 1 0x7f0000004000 0
00d0 ffffffff 0 EXIT 0 0

#END_TB
"""

# Kernel 2: line numbers on (enable lineinfo = 1).
KERNEL2 = HEADER.format(name="_Z5reluPf", kid=2, ver=4, li=1, grid=1, block=64) + """#BEGIN_TB
thread block = 0,0,0
warp = 0
insts = 1
17 0098 ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f0000010000 4
#END_TB
"""

B = 0x7F0000000000
# Kernel 1, in trace order (one entry per distinct 32 B sector per instruction, ascending):
EXPECTED1 = (
    [(B + s, False, 0) for s in (0, 32, 64, 96)]  # 32 lanes x 4 B, stride 4: one 128 B line
    + [(B + 0x1000, False, 0), (B + 0x1100, False, 0)]  # 4 lanes x 8 B listed: 0x1000-0x1017 and 0x1100
    # mask 0, LDS (shared) and STL (local) are skipped
    + [(B + 0x2000 + s, True, 0) for s in (0, 32, 64, 96)]  # 8 lanes x 16 B, deltas of 16: 128 B
    + [(B + 0x2FC0, False, 0), (B + 0x3000, False, 0), (B + 0x3040, False, 0)]  # deltas -64, -64
    + [(B + 0x80 + s, False, 0) for s in (0, 32, 64, 96)]  # warp 1
    + [(B + 0x4000, True, 1)]  # thread block 1 -> SM 1; stride 0: every lane on one sector
)
EXPECTED2 = [(B + 0x10000 + s, False, 0) for s in (0, 32, 64, 96)]


def _trace_dir(tmp_path):
    (tmp_path / "kernelslist.g").write_text(
        "MemcpyHtoD,0x00007f0000000000,4096\nkernel-1.traceg\nMemcpyHtoD,0x00007f0000010000,128\nkernel-2.traceg\n")
    (tmp_path / "kernel-1.traceg").write_text(KERNEL1)
    with lzma.open(tmp_path / "kernel-2.traceg.xz", "wt") as f:
        f.write(KERNEL2)
    return tmp_path


def _flat(chunks):
    chunks = list(chunks)
    a = np.concatenate([c.addr for c in chunks])
    w = np.concatenate([c.is_write for c in chunks])
    s = np.concatenate([c.sm for c in chunks])
    k = np.concatenate([c.kernel for c in chunks])
    return a, w, s, k


def test_single_traceg_all_address_modes(tmp_path):
    d = _trace_dir(tmp_path)
    a, w, s, k = _flat(read_accelsim(d / "kernel-1.traceg"))
    assert a.dtype == np.uint64 and w.dtype == np.bool_
    assert list(zip(a.tolist(), w.tolist(), s.tolist(), strict=True)) == EXPECTED1
    assert set(k.tolist()) == {1}


def test_kernelslist_streams_every_kernel_in_order_and_reads_xz(tmp_path):
    d = _trace_dir(tmp_path)
    chunks = list(read_accelsim(d / "kernelslist.g", chunk_size=5))
    assert [len(c) for c in chunks] == [5, 5, 5, 5, 2]  # 18 + 4 entries in bounded chunks, spanning kernels
    a, w, s, k = _flat(chunks)
    assert list(zip(a.tolist(), w.tolist(), s.tolist(), strict=True)) == EXPECTED1 + EXPECTED2
    assert k.tolist() == [1] * len(EXPECTED1) + [2] * len(EXPECTED2)


def test_old_tracer_prefix_and_sm_mapping(tmp_path):
    # Tracer version < 3 prefixes every instruction with "tb_x tb_y tb_z warp".
    text = HEADER.format(name="k", kid=3, ver=2, li=0, grid=2, block=64) + (
        "#BEGIN_TB\nthread block = 0,0,0\nwarp = 0\ninsts = 1\n0 0 0 0 00d0 ffffffff 0 EXIT 0 0\n#END_TB\n"
        "#BEGIN_TB\nthread block = 1,0,0\nwarp = 0\ninsts = 1\n"
        "1 0 0 0 0098 ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f0000000000 4\n#END_TB\n")
    p = tmp_path / "k.traceg"
    p.write_text(text)
    a, w, s, k = _flat(read_accelsim(p, n_sms=1))
    assert a.tolist() == [B, B + 32, B + 64, B + 96] and s.tolist() == [0] * 4 and k.tolist() == [3] * 4


TB0 = "#BEGIN_TB\nthread block = 0,0,0\nwarp = 0\n"  # lines 17-19 after the 16 header lines
TB1 = "#BEGIN_TB\nthread block = 1,0,0\nwarp = 0\ninsts = 1\n0098 ffffffff 0 EXIT 0 0\n#END_TB\n"


@pytest.mark.parametrize(
    "body,line,reason",
    [
        (TB0 + "0098 ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f00 4\n", 20,
         "truncated: the file ends inside the thread block opened at line 17 (no #END_TB)"),
        (TB0 + "0098 00000007 1 R4 LDG.E 1 R4 4 2 0x7f00 4\n#END_TB\n", 20,
         "malformed instruction line: fewer addresses than the 3 active lanes"),
        (TB0 + "0098 00000007 1 R4 LDG.E 1 R4 4 7 0x7f00 4\n#END_TB\n", 20, "unknown address-compression mode 7"),
        (TB0 + "0098 zzzz 1 R4 LDG.E 1 R4 4 1 0x7f00 4\n#END_TB\n", 20,
         "malformed instruction line: active mask 'zzzz' is not a 32-bit hex number"),
        (TB0 + "0098 1ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f00 4\n#END_TB\n", 20, "active mask '1ffffffff'"),
        (TB0 + "0098 ffffffff 3 R4 LDG.E 1 R4 4 1 0x7f00 4\n#END_TB\n", 20,
         "destination register count 3 does not match"),
        (TB0 + "0098 ffffffff 1 R4 LDG.E 1 R4 four 1 0x7f00 4\n#END_TB\n", 20, "memory width 'four' is not a number"),
        (TB0 + "0098 ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f00 four\n#END_TB\n", 20, "bad address field"),
        (TB0 + "0098 ffffffff 1 R4 LDG.E\n#END_TB\n", 20, "fewer than an instruction's PC, mask"),
        (TB0 + "0098 ffffffff 1 R4 LDX.E 1 R4 4 1 0x7f00 4\n#END_TB\n", 20,
         "unknown opcode 'LDX.E' with memory operands (width 4 B)"),
        (TB0 + "0098 00000000 1 R4 FROB 1 R4 8 1 0x7f00 4\n#END_TB\n", 20, "unknown opcode 'FROB'"),  # even if off
        (TB0 + "insts = 2\n0098 ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f00 4\n#END_TB\n", 22,
         "warp 0 of thread block (0,0,0) has 1 instruction lines, its 'insts = 2' (line 20) says 2"),
        (TB0 + "insts = 1\n0098 ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f00 4\n0098 ffffffff 0 EXIT 0 0\n#END_TB\n", 22,
         "more instruction lines than its 'insts = 1' (line 20)"),
        (TB0 + "insts = -1\n", 20, "malformed 'insts = -1'"),
        ("#BEGIN_TB\nthread block = 0,0,0\nwarp = 2\n", 19, "warp 2 outside the block's 2 warps"),
        ("#BEGIN_TB\nthread block = 0,x,0\n", 18, "malformed 'thread block = 0,x,0'"),
        ("#BEGIN_TB\n#BEGIN_TB\n", 18, "#BEGIN_TB inside the thread block opened at line 17"),
        ("#END_TB\n", 17, "#END_TB without a #BEGIN_TB"),
        ("warp = 0\n", 17, "'warp = 0' outside #BEGIN_TB/#END_TB"),
        (TB1, 22, "1 thread blocks (#BEGIN_TB ... #END_TB), grid dim (2,1,1) launches 2"),
        (TB1 + TB1 + TB1, 34, "3 thread blocks"),
    ],
)
def test_bad_traceg_names_line_and_reason(tmp_path, body, line, reason):
    p = tmp_path / "bad.traceg"
    p.write_text(HEADER.format(name="k", kid=1, ver=4, li=0, grid=2, block=64) + body)
    with pytest.raises(FileFormatError) as e:
        list(read_accelsim(p))
    assert str(e.value).startswith(f"{p}: line {line}: ") and reason in e.value.reason, str(e.value)
    assert e.value.line == line and e.value.path == str(p)


def test_bad_header_lines(tmp_path):
    p = tmp_path / "bad.traceg"
    p.write_text(HEADER.format(name="k", kid=1, ver=4, li=0, grid="x", block=64) + TB1)
    with pytest.raises(FileFormatError, match=r"line 3: malformed header '-grid dim = \(x,1,1\)'"):
        list(read_accelsim(p))
    p.write_text(HEADER.format(name="k", kid=1, ver=4, li=0, grid=1, block=64).replace("-nregs = 8", "-nregs 8")
                 + TB1)
    with pytest.raises(FileFormatError, match=r"line 6: malformed header line '-nregs 8' \(no '='\)"):
        list(read_accelsim(p))


def test_generic_ld_st_count_when_accelsim_calls_them_global(tmp_path):
    # Accel-Sim classifies a generic LD/ST by its first active address: [shmem base, local base) shared,
    # [local base, + 16 KiB) local, anything else global. Here shmem base > local base (as the tracer prints
    # them), so the shared window is empty.
    local = 0x7F2B58000000
    body = ("#BEGIN_TB\nthread block = 0,0,0\nwarp = 0\ninsts = 4\n"
            "0010 ffffffff 1 R4 LD.E 1 R2 4 1 0x7f0000000000 4\n"  # global: 4 sectors
            f"0018 ffffffff 0 ST.E 2 R2 R4 4 1 0x{local + 0x100:x} 4\n"  # local window: skipped
            f"0020 ffffffff 0 ST.E 2 R2 R4 4 1 0x{local + 0x4000:x} 4\n"  # just past it: global store
            "0028 ffffffff 0 EXIT 0 0\n#END_TB\n")
    p = tmp_path / "k.traceg"
    p.write_text(HEADER.format(name="k", kid=1, ver=4, li=0, grid=1, block=64) + body)
    a, w, _, _ = _flat(read_accelsim(p))
    assert list(zip(a.tolist(), w.tolist(), strict=True)) == (
        [(B + 32 * i, False) for i in range(4)] + [(local + 0x4000 + 32 * i, True) for i in range(4)])
    # Without base addresses Accel-Sim assumes shared memory: nothing reaches L2.
    p.write_text(HEADER.format(name="k", kid=1, ver=4, li=0, grid=1, block=64).replace(
        "-local mem base_addr = 0x00007f2b58000000\n", "") + body)
    assert list(read_accelsim(p)) == []


def test_bad_files(tmp_path):
    with pytest.raises(FileFormatError, match="no such file"):
        read_accelsim(tmp_path / "kernelslist.g")
    (tmp_path / "notes.traceg").write_text("hello world\nthis is not a trace\n")
    with pytest.raises(FileFormatError, match="not an Accel-Sim"):
        list(read_accelsim(tmp_path / "notes.traceg"))
    (tmp_path / "kernelslist.g").write_text("kernel-9.traceg\n")
    with pytest.raises(FileFormatError, match="not found"):
        list(read_accelsim(tmp_path / "kernelslist.g"))
    data = lzma.compress(KERNEL1.encode())
    (tmp_path / "cut.traceg.xz").write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="truncated"):
        list(read_accelsim(tmp_path / "cut.traceg.xz"))


# The global loads and stores of a real Accel-Sim (tracer v4) trace of vectorAdd over 100 floats, one block
# of 1024 threads, recorded on a GeForce GTX 1080 (romnn/microgpusim, MIT, test-apps/vectoradd); the
# non-memory lines are left out. nvprof on the same run reported l2_tex_read_transactions = 26,
# l2_tex_write_transactions = 13 and l2_global_load_bytes = 832 (= 26 x 32 B).
VECADD_WARPS = [
    ("ffffffff", "0x7f2b2d500000", "0x7f2b2d500200", "0x7f2b2d500400"),
    ("ffffffff", "0x7f2b2d500080", "0x7f2b2d500280", "0x7f2b2d500480"),
    ("ffffffff", "0x7f2b2d500100", "0x7f2b2d500300", "0x7f2b2d500500"),
    ("0000000f", "0x7f2b2d500180", "0x7f2b2d500380", "0x7f2b2d500580"),
]


def test_real_vectoradd_trace_matches_nvprof_l2_transactions(tmp_path):
    body = ["#BEGIN_TB", "thread block = 0,0,0"]
    for w, (mask, a, b, c) in enumerate(VECADD_WARPS):
        body += [f"warp = {w}", "insts = 4",
                 f"0098 {mask} 1 R4 LDG.E.CG 1 R4 4 1 {a} 4",
                 f"00b0 {mask} 1 R2 LDG.E.CG 1 R2 4 1 {b} 4",
                 "00d0 ffffffff 0 FADD 2 R2 R4 0",
                 f"00d8 {mask} 0 STG.E 2 R6 R0 4 1 {c} 4"]
    body.append("#END_TB")
    p = tmp_path / "kernel-1.traceg"
    p.write_text(HEADER.format(name="_Z6vecAddIfEvPT_S1_S1_i", kid=1, ver=4, li=0, grid=1, block=1024) + "\n".join(body) + "\n")
    a, w, _, _ = _flat(read_accelsim(p))
    assert (int((~w).sum()), int(w.sum())) == (26, 13)
    assert int((~w).sum()) * 32 == 832
