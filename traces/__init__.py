"""nvmsim traces: memory-access streams generated from ops, trace files, importers of measured data, exporters."""

from traces.allocator import TensorAllocator, plan_addresses
from traces.chunk import DEFAULT_CHUNK, TraceChunk
from traces.exporters import write_accelsim
from traces.gpu_trace import GpuTrace, gpu_trace, network_trace
from traces.importers import read_accelsim, read_ncu_csv, read_nvprof_csv
from traces.summary import ChunkCounter, count_chunks
from traces.trace_file import TraceFile, load_trace, save_trace

__all__ = [
    "ChunkCounter",
    "DEFAULT_CHUNK",
    "GpuTrace",
    "TensorAllocator",
    "TraceChunk",
    "TraceFile",
    "count_chunks",
    "gpu_trace",
    "load_trace",
    "network_trace",
    "plan_addresses",
    "read_accelsim",
    "read_ncu_csv",
    "read_nvprof_csv",
    "save_trace",
    "write_accelsim",
]
