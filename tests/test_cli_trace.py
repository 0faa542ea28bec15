"""``nvmsim trace gen | info | import``: round trip through a trace file, imports of small files in the tools'
documented formats (Nsight Compute ``--csv`` long format, nvprof ``--csv --print-gpu-trace --metrics``, an
Accel-Sim tracer-version-4 ``.traceg`` with a ``kernelslist.g``), and one-line errors with exit code 2.
"""

from __future__ import annotations

import pandas as pd
import pytest

from simulator.cli import main
from traces import load_trace, network_trace

NCU = """==PROF== Connected to process 91 (/usr/bin/python3)
"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream","Section Name","Metric Name","Metric Unit","Metric Value"
"0","91","python3","127.0.0.1","sgemm_128x128x8_nn","1","7","Command line profiler metrics","lts__t_sectors_op_read.sum","sector","12,800"
"0","91","python3","127.0.0.1","sgemm_128x128x8_nn","1","7","Command line profiler metrics","lts__t_sectors_op_write.sum","sector","1,600"
"0","91","python3","127.0.0.1","sgemm_128x128x8_nn","1","7","Command line profiler metrics","dram__sectors_read.sum","sector","4,000"
"0","91","python3","127.0.0.1","sgemm_128x128x8_nn","1","7","Command line profiler metrics","dram__sectors_write.sum","sector","n/a"
"1","91","python3","127.0.0.1","relu_kernel","1","7","Command line profiler metrics","lts__t_sectors_op_read.sum","sector","320"
"1","91","python3","127.0.0.1","relu_kernel","1","7","Command line profiler metrics","lts__t_sectors_op_write.sum","sector","320"
==PROF== Disconnected from process 91
"""  # noqa: E501 - the tool's line layout, verbatim

NVPROF = """==77== NVPROF is profiling process 77, command: ./darknet
==77== Profiling result:
"Device","Context","Stream","Kernel","Correlation_ID","l2_read_transactions","l2_write_transactions","dram_read_transactions","dram_write_transactions"
,,,,,,,,
"GeForce GTX 1080 Ti (0)","1","7","im2col_gpu_kernel","118","1,024","2,048","512","0"
"GeForce GTX 1080 Ti (0)","1","7","[CUDA memcpy HtoD]","119","","","",""
"GeForce GTX 1080 Ti (0)","1","7","sgemm_128x128x8_nn","120","40000","3000","9000","2500"
"""  # noqa: E501

TRACEG = """-kernel name = _Z6vecAddPfS_S_i
-kernel id = 1
-grid dim = (2,1,1)
-block dim = (32,1,1)
-shmem = 0
-nregs = 10
-binary version = 61
-cuda stream id = 0
-shmem base_addr = 0x00007f2b5a000000
-local mem base_addr = 0x00007f2b58000000
-nvbit version = 1.5.5
-accelsim tracer version = 4
-enable lineinfo = 0

#traces format = [line_num] PC mask dest_num [reg_dests] opcode src_num [reg_srcs] mem_width [adrrescompress?] [mem_addresses]

#BEGIN_TB

thread block = 0,0,0

warp = 0
insts = 3
0070 ffffffff 1 R2 LDG.E 1 R2 4 1 0x7f0000000000 4
0080 ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f0000001000 4
00a0 ffffffff 0 STG.E 2 R6 R0 4 1 0x7f0000002000 4
#END_TB

#BEGIN_TB

thread block = 1,0,0

warp = 0
insts = 3
0070 ffffffff 1 R2 LDG.E 1 R2 4 1 0x7f0000000080 4
0080 ffffffff 1 R4 LDG.E 1 R4 4 1 0x7f0000001080 4
00a0 ffffffff 0 STG.E 2 R6 R0 4 1 0x7f0000002080 4
#END_TB
"""  # noqa: E501


def test_gen_then_info_round_trip(tmp_path, capsys):
    out = tmp_path / "lenet.nvtrace.parquet"
    assert main(["trace", "gen", "--network", "lenet5", "--phase", "inference", "--batch", "2", "--chunk-size",
                 "5000", "--out", str(out), "--csv", str(tmp_path / "k.csv")]) == 0
    text = capsys.readouterr().out
    want = network_trace("lenet5", phase="inference", batch=2)  # gtx1080ti-deepnvm: 28 SMs, 128 B lines
    assert f"{want.n_accesses:,} requests" in text and "sgemm_128x128x8_nn" in text
    kernels = pd.read_csv(tmp_path / "k.csv")
    assert kernels["requests"].tolist() == want.kernels["requests"].tolist()

    tf = load_trace(out)
    assert tf.n_accesses == want.n_accesses
    assert (tf.meta["network"], tf.meta["phase"], tf.meta["batch"], tf.meta["chip"]) == \
        ("lenet5", "inference", 2, "gtx1080ti-deepnvm")

    assert main(["trace", "info", str(out), "--csv", str(tmp_path / "info.csv")]) == 0
    text = capsys.readouterr().out
    assert "network: lenet5" in text and "chip: gtx1080ti-deepnvm" in text and "dataset: mnist" in text
    info = pd.read_csv(tmp_path / "info.csv").iloc[0]
    n_chunks = -(-want.n_accesses // 5000)
    assert (info.accesses, info.reads, info.writes, info.chunks, info.kernels) == \
        (want.n_accesses, want.kernels.reads.sum(), want.kernels.writes.sum(), n_chunks, len(want.kernels))

    assert main(["trace", "info", str(out), "--per-kernel", "--csv", str(tmp_path / "pk.csv")]) == 0
    pk = pd.read_csv(tmp_path / "pk.csv")
    assert pk["reads"].tolist() == want.kernels["reads"].tolist()
    assert pk["writes"].tolist() == want.kernels["writes"].tolist()


def test_gen_sector_mode(tmp_path, capsys):
    out = tmp_path / "s.parquet"
    assert main(["trace", "gen", "--network", "lenet5", "--batch", "1", "--sector", "--quiet", "--out",
                 str(out)]) == 0
    tf = load_trace(out)
    assert tf.meta["unit_B"] == 32 and tf.n_accesses == network_trace("lenet5", sector_B=32).n_accesses


def test_import_ncu_and_nvprof(tmp_path, capsys):
    (tmp_path / "ncu.csv").write_text(NCU)
    assert main(["trace", "import", "ncu", str(tmp_path / "ncu.csv"), "--csv", str(tmp_path / "c.csv")]) == 0
    df = pd.read_csv(tmp_path / "c.csv")
    assert df["kernel"].tolist() == ["sgemm_128x128x8_nn", "relu_kernel"]
    assert df["l2_read_sectors"].tolist() == [12800, 320]
    assert df["dram_read_sectors"].iloc[0] == 4000 and df["dram_write_sectors"].isna().all()
    assert "sgemm_128x128x8_nn" in capsys.readouterr().out

    (tmp_path / "nvprof.csv").write_text(NVPROF)
    assert main(["trace", "import", "nvprof", str(tmp_path / "nvprof.csv"), "--csv", str(tmp_path / "n.csv")]) == 0
    df = pd.read_csv(tmp_path / "n.csv")
    assert df["kernel"].tolist() == ["im2col_gpu_kernel", "sgemm_128x128x8_nn"]  # the memcpy row is not a kernel
    assert df["l2_read_sectors"].tolist() == [1024, 40000] and df["dram_write_sectors"].tolist() == [0, 2500]


def test_import_accelsim_writes_a_trace(tmp_path, capsys):
    (tmp_path / "kernel-1.traceg").write_text(TRACEG)
    (tmp_path / "kernelslist.g").write_text("MemcpyHtoD,0x00007f0000000000,256\nkernel-1.traceg\n")
    out = tmp_path / "vec.nvtrace.parquet"
    assert main(["trace", "import", "accelsim", str(tmp_path / "kernelslist.g"), "--out", str(out), "--csv",
                 str(tmp_path / "a.csv")]) == 0
    # Each block: two 32-lane fp32 loads (128 B = 4 sectors each) and one store (4 sectors).
    df = pd.read_csv(tmp_path / "a.csv")
    assert df[["kernel", "reads", "writes", "sms"]].values.tolist() == [[1, 16, 8, 2]]
    tf = load_trace(out)
    assert tf.n_accesses == 24 and tf.meta["source"] == "accelsim"
    chunk = next(iter(tf))
    assert int(chunk.addr[0]) == 0x7F0000000000 and chunk.is_write.sum() == 8


@pytest.mark.parametrize("argv_tail, needle", [
    (["info", "{missing}"], "{missing}"),
    (["info", "{junk}"], "{junk}"),
    (["import", "ncu", "{junk}"], "{junk}"),
    (["import", "accelsim", "{junk}", "--out", "{tmp}/x.parquet"], "{junk}"),
    (["import", "accelsim", "{traceg}"], "--out"),
    (["import", "ncu", "{junk}", "--out", "{tmp}/x.parquet"], "--out"),
    (["gen", "--network", "nosuchnet", "--out", "{tmp}/x.parquet"], "nosuchnet"),
    (["gen", "--network", "lenet5", "--batch", "0", "--out", "{tmp}/x.parquet"], "--batch"),
    (["gen", "--network", "lenet5", "--chip", "nochip", "--out", "{tmp}/x.parquet"], "chip"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, argv_tail, needle):
    junk = tmp_path / "junk.parquet"
    junk.write_text("not a trace, not a CSV header\n")
    traceg = tmp_path / "k.traceg"
    traceg.write_text(TRACEG)
    names = {"missing": str(tmp_path / "missing.parquet"), "junk": str(junk), "tmp": str(tmp_path),
             "traceg": str(traceg)}
    argv = ["trace", *(a.format(**names) for a in argv_tail)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nvmsim: error:") and "\n" not in err and needle.format(**names) in err
    assert not (tmp_path / "x.parquet").exists()
