"""The systolic training accelerator: the output-stationary array's cycle model (:mod:`~simulator.systolic.array`),
scratchpad placement and DMA (:mod:`~simulator.systolic.scratchpad`), and the configured accelerator that counts
and costs a training step (:mod:`~simulator.systolic.accelerator`)."""

from simulator.systolic.accelerator import AcceleratorConfig, evaluate, load_accelerator
from simulator.systolic.array import gemm_cycles, gemm_folds, operand_accesses

__all__ = ["AcceleratorConfig", "evaluate", "gemm_cycles", "gemm_folds", "load_accelerator",
           "operand_accesses"]
