# ruff: noqa: E501  (fixture lines reproduce the tools' real, long CSV/trace lines verbatim)
"""Nsight Compute and nvprof CSV importers on files written here in the tools' documented layouts.

Layouts follow the Nsight Compute CLI manual (``--csv`` details page: one row per
kernel and metric; ``--page raw``: one row per kernel plus a units row) and nvprof's
``--csv`` output (summary with ``==PID==`` banners; ``--print-gpu-trace --metrics``
with a units row), as recorded in real GTX 1080 / P100 / Turing exports. Units: a
transaction / sector is 32 B (nvprof ``--query-metrics``: a GTX 1080 reported
``dram_read_transactions`` = 20 with ``dram_read_bytes`` = 640).
"""

from __future__ import annotations

import math

import pytest

from models.errors import FileFormatError
from traces import read_ncu_csv, read_nvprof_csv
from traces.importers import SECTOR_COLUMNS

NCU_LONG = """==PROF== Connected to process 2583 (/home/u/a.out)
==PROF== Profiling "gemm_kernel" - 0: 0%....50%....100% - 9 passes
"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream","Block Size","Grid Size","Device","CC","Section Name","Metric Name","Metric Unit","Metric Value"
"0","2583","a.out","127.0.0.1","gemm_kernel(float*, float*)","1","7","(256, 1, 1)","(80, 1, 1)","0","7.5","Command line profiler metrics","dram__bytes_read.sum","Kbyte","1,024.00"
"0","2583","a.out","127.0.0.1","gemm_kernel(float*, float*)","1","7","(256, 1, 1)","(80, 1, 1)","0","7.5","Command line profiler metrics","dram__sectors_write.sum","sector","2,048"
"0","2583","a.out","127.0.0.1","gemm_kernel(float*, float*)","1","7","(256, 1, 1)","(80, 1, 1)","0","7.5","Command line profiler metrics","lts__t_sectors_op_read.sum","sector","1,234,567"
"0","2583","a.out","127.0.0.1","gemm_kernel(float*, float*)","1","7","(256, 1, 1)","(80, 1, 1)","0","7.5","Command line profiler metrics","lts__t_sectors_op_write.sum","sector","65,536"
"1","2583","a.out","127.0.0.1","relu(float*)","1","7","(256, 1, 1)","(40, 1, 1)","0","7.5","Command line profiler metrics","dram__sectors_read.sum","sector","n/a"
"1","2583","a.out","127.0.0.1","relu(float*)","1","7","(256, 1, 1)","(40, 1, 1)","0","7.5","Command line profiler metrics","lts__t_sectors_op_read.sum","sector","320"
"1","2583","a.out","127.0.0.1","relu(float*)","1","7","(256, 1, 1)","(40, 1, 1)","0","7.5","Command line profiler metrics","lts__t_sectors_op_atom.sum","sector","8"
"1","2583","a.out","127.0.0.1","relu(float*)","1","7","(256, 1, 1)","(40, 1, 1)","0","7.5","Command line profiler metrics","lts__t_sectors_op_write.sum","sector","320"
==PROF== Disconnected from process 2583
"""

NCU_RAW = """"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream","Block Size","Grid Size","Device","CC","dram__bytes_read.sum","dram__bytes_write.sum","dram__sectors_read.sum","lts__t_sectors_op_read.sum","lts__t_sectors_op_write.sum","gpu__time_duration.sum"
"","","","","","","","","","","","byte","byte","sector","sector","sector","second"
"0","1","python","h","w13_kernel","1","7","(256, 1, 1)","(5, 20, 1)","0","7.0","10,240,000","2,048","320,000","1,000,000","64","4.0e-05"
"1","1","python","h","w13_kernel","1","7","(256, 1, 1)","(5, 20, 1)","0","7.0","320","n/a","10","5","6","1.0e-06"
"""

NVPROF_SUMMARY = """==26948== NVPROF is profiling process 26948, command: ./gpumembench
==26948== Some kernel(s) will be replayed on device 0 in order to collect all events/metrics.
==26948== Profiling application: ./gpumembench
==26948== Profiling result:
==26948== Metric result:
"Device","Kernel","Invocations","Metric Name","Metric Description","Min","Max","Avg"
"Tesla P100-PCIE-16GB (0)","void benchmark_func(int2*)",2,"l2_read_transactions","L2 Read Transactions",22700774,22700774,22700774
"Tesla P100-PCIE-16GB (0)","void benchmark_func(int2*)",2,"l2_write_transactions","L2 Write Transactions",100,120,110
"Tesla P100-PCIE-16GB (0)","void benchmark_func(int2*)",2,"dram_read_transactions","Device Memory Read Transactions",9249046,9249046,9249046
"Tesla P100-PCIE-16GB (0)","void benchmark_func(int2*)",2,"dram_read_throughput","Device Memory Read Throughput",157.162440GB/s,157.162440GB/s,157.162440GB/s
"Tesla P100-PCIE-16GB (0)","sgemm_128x128",1,"l2_read_transactions","L2 Read Transactions",4000,4000,4000
"Tesla P100-PCIE-16GB (0)","sgemm_128x128",1,"dram_write_bytes","Device Memory Write Bytes",6400,6400,6400
"""

NVPROF_TRACE = """==3583976== NVPROF is profiling process 3583976, command: ./vectoradd 100 32
==3583976== Profiling application: ./vectoradd 100 32
==3583976== Profiling result:
"Device","Context","Stream","Kernel","Correlation_ID","elapsed_cycles_sm","l2_read_transactions","l2_write_transactions","dram_read_transactions","dram_write_transactions","dram_read_throughput","l2_utilization"
,,,,,,,,,,"MB/s",
"GeForce GTX 1080 (0)","1","7","_Z6vecAddIfEvPT_S1_S1_i","112","6,180","92","26","20","4","1.2e+03","Low (1)"
"GeForce GTX 1080 (0)","1","7","[CUDA memcpy DtoH]","113","","","","","","",""
"GeForce GTX 1080 (0)","1","7","_Z6vecAddIfEvPT_S1_S1_i","114","6,200","92","26","n/a","4","1.2e+03","Low (1)"
"""


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_ncu_long_format(tmp_path):
    df = read_ncu_csv(_write(tmp_path, "ncu.csv", NCU_LONG))
    assert list(df.columns) == ["id", "kernel", "invocations", *SECTOR_COLUMNS]
    assert list(df.kernel) == ["gemm_kernel(float*, float*)", "relu(float*)"]
    g, r = df.iloc[0], df.iloc[1]
    assert g.l2_read_sectors == 1_234_567 and g.l2_write_sectors == 65_536
    assert g.dram_read_sectors == 1024e3 / 32  # 1,024.00 Kbyte of bytes -> 32 B sectors
    assert g.dram_write_sectors == 2048
    assert r.l2_read_sectors == 328 and r.l2_write_sectors == 328  # atomics count as both, as in nvprof
    assert math.isnan(r.dram_read_sectors) and math.isnan(r.dram_write_sectors)  # n/a and absent


def test_ncu_raw_page(tmp_path):
    df = read_ncu_csv(_write(tmp_path, "raw.csv", NCU_RAW))
    assert list(df.id) == [0, 1] and list(df.kernel) == ["w13_kernel"] * 2
    assert df.dram_read_sectors.tolist() == [320_000, 10]  # the sector metric wins over bytes
    assert df.dram_write_sectors[0] == 2048 / 32 and math.isnan(df.dram_write_sectors[1])
    assert df.l2_read_sectors.tolist() == [1_000_000, 5]


def test_nvprof_summary_totals_over_invocations(tmp_path):
    df = read_nvprof_csv(_write(tmp_path, "sum.csv", NVPROF_SUMMARY))
    assert list(df.kernel) == ["void benchmark_func(int2*)", "sgemm_128x128"]
    b, s = df.iloc[0], df.iloc[1]
    assert b.invocations == 2
    assert b.l2_read_sectors == 2 * 22700774 and b.l2_write_sectors == 220 and b.dram_read_sectors == 2 * 9249046
    assert math.isnan(b.dram_write_sectors)
    assert s.l2_read_sectors == 4000 and s.dram_write_sectors == 200 and math.isnan(s.l2_write_sectors)


def test_nvprof_gpu_trace_with_units_row(tmp_path):
    df = read_nvprof_csv(_write(tmp_path, "trace.csv", NVPROF_TRACE))
    assert list(df.id) == [112, 114]  # the memcpy row is not a kernel
    assert df.l2_read_sectors.tolist() == [92, 92] and df.l2_write_sectors.tolist() == [26, 26]
    assert df.dram_read_sectors[0] == 20 and math.isnan(df.dram_read_sectors[1])
    assert df.dram_write_sectors.tolist() == [4, 4]


@pytest.mark.parametrize("reader", [read_ncu_csv, read_nvprof_csv])
def test_bad_files(tmp_path, reader):
    with pytest.raises(FileFormatError, match="cannot read"):
        reader(tmp_path / "missing.csv")
    with pytest.raises(FileFormatError, match="empty"):
        reader(_write(tmp_path, "empty.csv", "==1== nothing\n"))
    with pytest.raises(FileFormatError, match="header"):
        reader(_write(tmp_path, "other.csv", '"a","b"\n"1","2"\n'))


def test_ragged_rows_are_rejected(tmp_path):
    text = NCU_RAW.replace('"1.0e-06"\n', "\n")[:-3] + "\n"
    with pytest.raises(FileFormatError, match="fields"):
        read_ncu_csv(_write(tmp_path, "ragged.csv", text))
    with pytest.raises(FileFormatError, match="metric columns"):
        read_nvprof_csv(_write(tmp_path, "nometrics.csv", '"Device","Kernel","Duration"\n"d","k","1"\n'))
