"""nvmsim workloads: networks as layers with exact shapes, lowered to GEMM and element-wise ops."""
