"""The plain data that flows from a network to the trace generators and the systolic model.

A network lowered for a phase and batch is a list of ops. Each op is either a
:class:`Gemm` (``C[M, N] (+)= A[M, K] @ B[K, N]``, ``groups`` independent
times) or an :class:`Elementwise` pass over whole tensors. Ops name the
tensors they touch so that a tensor allocator can give them addresses and a
scratchpad model can decide what lives on chip.

This module is the contract between ``workloads`` and its consumers
(``traces``, ``simulator.systolic.array``): fields may be added with defaults, never
renamed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

DTYPE_BYTES = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1, "int32": 4}
"""Bytes per element; ``int32`` is for token ids and labels (networks compute in the first four)."""

PHASES = ("inference", "training")
"""What a network is lowered for: inference = forward; training = forward + backward + update."""

PASSES = ("forward", "backward_data", "backward_weight", "update")
"""The pass an op belongs to."""

TENSOR_KINDS = ("input", "weight", "activation", "error", "weight_grad", "workspace", "optimizer")
"""What a tensor holds: ``error`` is a gradient w.r.t. an activation (the scratchpad
paper's "error"); ``weight_grad`` a gradient w.r.t. weights; ``workspace`` a scratch
buffer such as an im2col matrix; ``optimizer`` e.g. a momentum buffer."""


@dataclass(frozen=True)
class Tensor:
    """A named buffer. Names are unique within one lowered step (``conv1.W``, ``conv1.out``...)."""

    name: str
    shape: tuple[int, ...]
    dtype: str = "fp32"
    kind: str = "activation"

    @property
    def elements(self) -> int:
        return prod(self.shape)

    @property
    def itemsize_B(self) -> int:
        return DTYPE_BYTES[self.dtype]

    @property
    def nbytes(self) -> int:
        return self.elements * DTYPE_BYTES[self.dtype]


@dataclass(frozen=True)
class Gemm:
    """``C[M, N] (+)= A[M, K] @ B[K, N]``, repeated ``groups`` times on disjoint slices.

    ``a``, ``b`` and ``c`` are the tensors the operands live in (a grouped
    convolution's ``groups`` GEMMs each use ``1/groups`` of them). When an operand
    is a lowered (im2col) view of an activation, ``lowered`` names the real
    activation tensor and ``lowered_operand`` says which operand (``"a"`` or
    ``"b"``) is the column matrix; GPU trace generation then adds the im2col
    (forward, backward-weight) or col2im (backward-data) kernel. For backward-data
    the column matrix is the result: ``lowered_operand="c"`` and ``lowered`` is the
    input's error tensor that col2im adds into. ``accumulate``
    means ``C`` is read as well as written.

    ``trans_a`` / ``trans_b`` say how an operand is stored (cuBLAS/DarkNet
    ``TA``/``TB``): True means the buffer holds ``K x M`` (A) or ``N x K`` (B)
    per group, e.g. an FC weight stored ``out x in`` used as ``B = Wᵀ``. None
    (the default, for ops built by hand) leaves it to the consumer to infer
    from the shapes; the zoo's lowering sets both on every GEMM.
    """

    name: str
    layer: str
    pass_: str
    M: int
    N: int
    K: int
    a: Tensor
    b: Tensor
    c: Tensor
    groups: int = 1
    accumulate: bool = False
    lowered: Tensor | None = None
    lowered_operand: str | None = None
    trans_a: bool | None = None
    trans_b: bool | None = None

    @property
    def macs(self) -> int:
        return self.M * self.N * self.K * self.groups


@dataclass(frozen=True)
class Elementwise:
    """One pass over whole tensors: reads every element of ``reads``, writes every element of ``writes``.

    ``kind`` names what a framework would launch (``bias``, ``relu``, ``maxpool``,
    ``avgpool``, ``batchnorm``, ``add``, ``concat``, ``lrn``, ``softmax``, ``sgd``,
    ``im2col``, ``col2im``...); ``flops`` is the arithmetic it does.
    """

    name: str
    layer: str
    pass_: str
    kind: str
    reads: tuple[Tensor, ...]
    writes: tuple[Tensor, ...]
    flops: int = 0

    @property
    def macs(self) -> int:
        return 0


Op = Gemm | Elementwise
