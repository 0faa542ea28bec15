"""Lowering a network to the ops of one inference or training step.

``lower(net, phase, batch, optimizer)`` returns the GEMMs and element-wise
passes a DarkNet-style framework launches, in launch order, over named tensors:

* ``input`` (kind ``input``, shape ``(B, *input_shape)``) and, for training,
  ``labels`` (``(B,)``, int32);
* ``<layer>.out`` — a layer's output activation ``(B, *out_shape)``; dropout and
  reshape/flatten layers are views, so they reuse their input's tensor;
* ``<layer>.W`` / ``<layer>.b`` — weights ``Layer.weight_shape`` and bias
  (a layer tied to another's weight uses the owner's ``.W``);
* ``<layer>.dout`` — the error (gradient w.r.t. ``<layer>.out``), same shape;
* ``<layer>.dW`` / ``<layer>.db`` — weight gradients;
* ``<layer>.vW`` / ``<layer>.vb`` — momentum buffers (``optimizer="momentum"``);
* ``<layer>.col`` — the im2col workspace of a convolution;
* ``<layer>.stats`` — a batch-norm's running mean and variance ``(2, C)`` (kind
  ``weight``: persistent, but not trained by the optimizer).

Forward activations are kept: the backward pass reads the very ``.out``
tensors the forward pass wrote (same name, same shape).

Convolution follows DarkNet's ``forward_convolutional_layer``: per group,
``out[out_c/g, N] = W[out_c/g, kh·kw·in_c/g] · col[kh·kw·in_c/g, N]`` with
``lowered = <input>`` and ``lowered_operand = "b"``. **The batch is folded
into N** (``N = B·out_h·out_w``), so one Gemm covers the whole batch and the
``col`` workspace has shape ``(groups·kh·kw·in_c/g, B·out_h·out_w)``; a
generator that prefers DarkNet's per-image loop can split N into ``B`` equal
slices (``B`` is ``lowered.shape[0]``). A 1×1, stride-1, unpadded conv needs
no im2col (DarkNet uses the input directly): ``b`` is the input tensor and
``lowered`` is None. Backward-data is ``dcol = Wᵀ · dout`` followed by
col2im, expressed as a Gemm whose ``C`` is the column matrix:
``lowered = <input>.dout`` with ``lowered_operand = "c"`` (col2im adds into
that error tensor). Backward-weight is ``dW += dout · colᵀ`` (im2col again,
``lowered_operand = "b"``, ``accumulate=True``).

Fully connected: ``out[B·rows, out] = in[B·rows, in] · Wᵀ`` (the batch, times
tokens for a transformer, is M); backward-data ``din = dout · W``;
backward-weight ``dW += doutᵀ · in``. Attention: per sample and head
(``groups = B·heads``) ``S = Q·Kᵀ`` and ``O = P·V``, with the four
backward GEMMs ``dQ = dS·K``, ``dK = dSᵀ·Q``, ``dP = dO·Vᵀ``, ``dV = Pᵀ·dO``.

Every GEMM states how its operands are stored (``trans_a`` / ``trans_b``, the
cuBLAS ``TA``/``TB`` DarkNet passes): FC forward ``x·Wᵀ`` and backward-weight
``dW += dout·colᵀ`` transpose B; backward-data ``Wᵀ·dout``, FC ``doutᵀ·x`` and
the attention ``dSᵀ``/``Pᵀ`` products transpose A; ``S = Q·Kᵀ`` and
``dP = dO·Vᵀ`` transpose B.

Backward runs the layers in reverse. The first layer computes no
backward-data (nothing upstream needs an error), so a network's training
MACs are ``3 × forward − forward MACs of the layers fed by the input``.
Where a tensor feeds several layers, the first error written creates its
``.dout`` and later ones accumulate into it (``accumulate=True`` on GEMMs;
the error tensor is also read by element-wise passes).

The training step ends with the weight update: per parameter tensor, one
``sgd`` pass (reads W, dW; writes W) or ``sgd_momentum`` (reads W, dW, v;
writes v, W).
"""

from __future__ import annotations

from math import prod

from models.errors import ConfigError
from workloads.layers import ALIASES
from workloads.network import Network
from workloads.ops import PHASES, Elementwise, Gemm, Op, Tensor

OPTIMIZERS = ("sgd", "momentum")

# How each GEMM's operands are stored (DarkNet/cuBLAS TA, TB): "t" = the buffer holds op(A) as K x M or op(B)
# as N x K. Weights are (out, in[, kh, kw]); activations and errors are batch-major with features last.
_NN = {"trans_a": False, "trans_b": False}
_NT = {"trans_a": False, "trans_b": True}  # FC forward x·Wᵀ (W out x in); dW += dout·colᵀ; S = Q·Kᵀ; dP = dO·Vᵀ
_TN = {"trans_a": True, "trans_b": False}  # dcol = Wᵀ·dout; FC dW += doutᵀ·x; dK = dSᵀ·Q; dV = Pᵀ·dO


class _Lowerer:
    """Holds the tensor registry of one lowering (same name ⇒ same Tensor) and the op list."""

    def __init__(self, net: Network, batch: int, phase: str = "inference"):
        self.net = net
        self.phase = phase
        self.B = batch
        self.dtype = net.dtype
        self.ops: list[Op] = []
        self.tensors: dict[str, Tensor] = {}
        self.layers = {layer.name: layer for layer in net.layers}
        self.root: dict[str, str] = {}  # layer -> layer whose buffer holds its output
        self.err_written: set[str] = set()
        self.dw_written: set[str] = set()
        for layer in net.layers:
            alias = layer.kind in ALIASES
            self.root[layer.name] = self.root[layer.inputs[0]] if alias else layer.name

    # -- tensors ----------------------------------------------------------------------------------------
    def tensor(self, name: str, shape, kind: str, dtype: str | None = None) -> Tensor:
        t = Tensor(name, tuple(int(s) for s in shape), dtype or self.dtype, kind)
        old = self.tensors.setdefault(name, t)
        if old != t:  # pragma: no cover - a lowering bug, not a user error
            raise AssertionError(f"tensor {name} redefined: {old} vs {t}")
        return old

    def out(self, layer_name: str) -> Tensor:
        root = self.layers[self.root[layer_name]]
        if root.kind == "input":
            return self.tensor("input", (self.B, *root.out_shape), "input", root.dtype)
        return self.tensor(f"{root.name}.out", (self.B, *root.out_shape), "activation")

    def err(self, layer_name: str) -> Tensor:
        root = self.layers[self.root[layer_name]]
        return self.tensor(f"{root.name}.dout", (self.B, *root.out_shape), "error")

    def needs_err(self, layer_name: str) -> bool:
        return self.layers[self.root[layer_name]].kind != "input"

    def err_target(self, layer_name: str) -> tuple[Tensor, bool]:
        """The error tensor to write for ``layer_name`` and whether it already holds a partial sum."""
        t = self.err(layer_name)
        acc = t.name in self.err_written
        self.err_written.add(t.name)
        return t, acc

    def owner(self, layer) -> str:
        return layer.shares_weight or layer.name

    def W(self, layer) -> Tensor:
        owner = self.layers[self.owner(layer)]
        return self.tensor(f"{owner.name}.W", owner.weight_shape, "weight")

    def bias(self, layer) -> Tensor:
        return self.tensor(f"{layer.name}.b", (layer.bias_elements,), "weight")

    def dW(self, layer) -> tuple[Tensor, bool]:
        owner = self.layers[self.owner(layer)]
        t = self.tensor(f"{owner.name}.dW", owner.weight_shape, "weight_grad")
        acc = t.name in self.dw_written
        self.dw_written.add(t.name)
        return t, acc

    def db(self, layer) -> Tensor:
        return self.tensor(f"{layer.name}.db", (layer.bias_elements,), "weight_grad")

    def ew(self, layer, pass_, kind, reads, writes, flops=0, suffix=None):
        self.ops.append(Elementwise(f"{layer.name}.{suffix or kind}", layer.name, pass_, kind, tuple(reads),
                                    tuple(writes), int(flops)))

    def gemm(self, layer, pass_, suffix, M, N, K, a, b, c, **kw):
        self.ops.append(Gemm(f"{layer.name}.{suffix}", layer.name, pass_, int(M), int(N), int(K), a, b, c, **kw))

    # -- conv helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _no_im2col(layer) -> bool:
        return layer.kernel == (1, 1) and layer.stride == (1, 1) and layer.padding == (0, 0)

    def col(self, layer) -> Tensor:
        kdim = prod(layer.weight_shape[1:])
        n = self.B * layer.out_shape[1] * layer.out_shape[2]
        return self.tensor(f"{layer.name}.col", (layer.groups * kdim, n), "workspace")

    # -- forward ----------------------------------------------------------------------------------------
    def forward(self, layer) -> None:
        k = layer.kind
        if k in ("input",) + ALIASES:
            return
        x = self.out(layer.inputs[0])
        y = self.out(layer.name)
        B = self.B
        if k == "conv":
            g = layer.groups
            out_c = layer.out_shape[0]
            kdim = prod(layer.weight_shape[1:])
            n = B * layer.out_shape[1] * layer.out_shape[2]
            if self._no_im2col(layer):
                self.gemm(layer, "forward", "fwd", out_c // g, n, kdim, self.W(layer), x, y, groups=g, **_NN)
            else:
                self.gemm(layer, "forward", "fwd", out_c // g, n, kdim, self.W(layer), self.col(layer), y, groups=g,
                          lowered=x, lowered_operand="b", **_NN)
            if layer.bias_elements:
                self.ew(layer, "forward", "bias", (y, self.bias(layer)), (y,), y.elements)
        elif k == "fc":
            out_f, in_f = layer.weight_shape
            rows = B * (layer.out_shape[0] if len(layer.out_shape) == 2 else 1)
            self.gemm(layer, "forward", "fwd", rows, out_f, in_f, x, self.W(layer), y, **_NT)
            if layer.bias_elements:
                self.ew(layer, "forward", "bias", (y, self.bias(layer)), (y,), y.elements)
        elif k == "matmul":
            a, b = x, self.out(layer.inputs[1])
            t = a.shape[1] if layer.op == "qk" else b.shape[1]
            dk = b.shape[2] // layer.heads
            if layer.op == "qk":
                self.gemm(layer, "forward", "fwd", t, t, dk, a, b, y, groups=B * layer.heads, **_NT)
            else:
                self.gemm(layer, "forward", "fwd", t, dk, t, a, b, y, groups=B * layer.heads, **_NN)
        elif k == "pool":
            self.ew(layer, "forward", f"{layer.op}pool", (x,), (y,), B * layer.flops)
        elif k == "activation":
            self.ew(layer, "forward", layer.op, (x,), (y,), B * layer.flops)
        elif k == "batchnorm":
            # Running mean and variance: read to normalise at inference, updated from the batch in training.
            stats = self.tensor(f"{layer.name}.stats", (2, layer.weight_shape[0]), "weight")
            writes = (y, stats) if self.phase == "training" else (y,)
            self.ew(layer, "forward", k, (x, self.W(layer), self.bias(layer), stats), writes, B * layer.flops)
        elif k == "layernorm":
            self.ew(layer, "forward", k, (x, self.W(layer), self.bias(layer)), (y,), B * layer.flops)
        elif k in ("add", "concat"):
            srcs = tuple(self.out(i) for i in layer.inputs)
            self.ew(layer, "forward", k, srcs, (y,), B * layer.flops)
        elif k in ("lrn", "softmax", "select"):
            self.ew(layer, "forward", k, (x,), (y,), B * layer.flops)
        elif k in ("embedding", "pos_embed"):
            self.ew(layer, "forward", k, (x, self.W(layer)), (y,), B * layer.flops)
        else:  # pragma: no cover - Builder only makes known kinds
            raise ConfigError(f"layer {layer.name}", f"cannot lower kind {k!r}")

    # -- backward ---------------------------------------------------------------------------------------
    def backward(self, layer) -> None:
        k = layer.kind
        if k in ("input",) + ALIASES:
            return
        src = layer.inputs[0]
        x = self.out(src)
        dy = self.err(layer.name)
        B = self.B
        if k == "conv":
            g = layer.groups
            out_c = layer.out_shape[0]
            kdim = prod(layer.weight_shape[1:])
            n = B * layer.out_shape[1] * layer.out_shape[2]
            direct = self._no_im2col(layer)
            if layer.bias_elements:
                self.ew(layer, "backward_weight", "bias_grad", (dy,), (self.db(layer),), dy.elements)
            dw, acc = self.dW(layer)
            if direct:
                self.gemm(layer, "backward_weight", "bwd_weight", out_c // g, kdim, n, dy, x, dw, groups=g,
                          accumulate=True, **_NT)
            else:
                self.gemm(layer, "backward_weight", "bwd_weight", out_c // g, kdim, n, dy, self.col(layer), dw,
                          groups=g, accumulate=True, lowered=x, lowered_operand="b", **_NT)
            if self.needs_err(src):
                dx, acc = self.err_target(src)
                if direct:
                    self.gemm(layer, "backward_data", "bwd_data", kdim, n, out_c // g, self.W(layer), dy, dx,
                              groups=g, accumulate=acc, **_TN)
                else:
                    self.gemm(layer, "backward_data", "bwd_data", kdim, n, out_c // g, self.W(layer), dy,
                              self.col(layer), groups=g, lowered=dx, lowered_operand="c", **_TN)
        elif k == "fc":
            out_f, in_f = layer.weight_shape
            rows = B * (layer.out_shape[0] if len(layer.out_shape) == 2 else 1)
            if layer.bias_elements:
                self.ew(layer, "backward_weight", "bias_grad", (dy,), (self.db(layer),), dy.elements)
            dw, acc = self.dW(layer)
            self.gemm(layer, "backward_weight", "bwd_weight", out_f, in_f, rows, dy, x, dw, accumulate=True, **_TN)
            if self.needs_err(src):
                dx, acc = self.err_target(src)
                self.gemm(layer, "backward_data", "bwd_data", rows, in_f, out_f, dy, self.W(layer), dx,
                          accumulate=acc, **_NN)
        elif k == "matmul":
            a, b = x, self.out(layer.inputs[1])
            groups = B * layer.heads
            if layer.op == "qk":  # S = Q Kᵀ: dQ = dS·K, dK = dSᵀ·Q
                t, dk = a.shape[1], a.shape[2] // layer.heads
                for name, src_t, other, trans in (("bwd_data_q", layer.inputs[0], b, _NN),
                                                  ("bwd_data_k", layer.inputs[1], a, _TN)):
                    if self.needs_err(src_t):
                        d, acc = self.err_target(src_t)
                        self.gemm(layer, "backward_data", name, t, dk, t, dy, other, d, groups=groups, accumulate=acc,
                                  **trans)
            else:  # O = P V: dP = dO·Vᵀ, dV = Pᵀ·dO
                t, dk = b.shape[1], b.shape[2] // layer.heads
                if self.needs_err(layer.inputs[0]):
                    d, acc = self.err_target(layer.inputs[0])
                    self.gemm(layer, "backward_data", "bwd_data_p", t, t, dk, dy, b, d, groups=groups, accumulate=acc,
                              **_NT)
                if self.needs_err(layer.inputs[1]):
                    d, acc = self.err_target(layer.inputs[1])
                    self.gemm(layer, "backward_data", "bwd_data_v", t, dk, t, a, dy, d, groups=groups, accumulate=acc,
                              **_TN)
        elif k in ("batchnorm", "layernorm"):
            dw, _ = self.dW(layer)
            self.ew(layer, "backward_weight", f"{k}_grad_weight", (dy, x), (dw, self.db(layer)), 2 * dy.elements)
            self._ew_back(layer, f"{k}_grad", (dy, x, self.W(layer)), src, 3 * dy.elements)
        elif k in ("embedding", "pos_embed"):
            dw, acc = self.dW(layer)
            reads = (dy, x, dw) if acc else (dy, x)
            self.ew(layer, "backward_weight", f"{k}_grad", reads, (dw,), dy.elements)
            if k == "pos_embed":
                self._ew_back(layer, "pos_embed_grad_data", (dy,), src, 0)
        elif k == "add" or k == "concat":
            targets, reads = [], [dy]
            for s in layer.inputs:
                if self.needs_err(s):
                    d, acc = self.err_target(s)
                    targets.append(d)
                    if acc:
                        reads.append(d)
            if targets:
                self.ew(layer, "backward_data", f"{k}_grad", reads, targets, dy.elements)
        elif k == "pool":
            reads = (dy, x, self.out(layer.name)) if layer.op == "max" else (dy,)
            self._ew_back(layer, f"{layer.op}pool_grad", reads, src, B * layer.flops)
        elif k == "activation":
            reads = (dy, self.out(layer.name)) if layer.op in ("relu", "relu6", "tanh", "sigmoid") else (dy, x)
            self._ew_back(layer, f"{layer.op}_grad", reads, src, 2 * dy.elements)
        elif k == "lrn":
            self._ew_back(layer, "lrn_grad", (dy, x, self.out(layer.name)), src, 2 * B * layer.flops)
        elif k == "softmax":
            self._ew_back(layer, "softmax_grad", (dy, self.out(layer.name)), src, 3 * dy.elements)
        elif k == "select":
            self._ew_back(layer, "select_grad", (dy,), src, 0)
        else:  # pragma: no cover
            raise ConfigError(f"layer {layer.name}", f"cannot lower kind {k!r} for training")

    def _ew_back(self, layer, kind, reads, src, flops) -> None:
        """An element-wise backward-data pass writing (or accumulating into) the error of ``src``."""
        if not self.needs_err(src):
            return
        d, acc = self.err_target(src)
        reads = tuple(reads) + ((d,) if acc else ())
        self.ew(layer, "backward_data", kind, reads, (d,), flops)

    def loss(self) -> set[str]:
        """The loss gradient; returns the layers it already back-propagated through (a final softmax)."""
        last = self.net.layers[-1]
        labels = self.tensor("labels", (self.B,), "input", "int32")
        if last.kind == "softmax":
            y = self.out(last.name)
            if self.needs_err(last.inputs[0]):
                d, _ = self.err_target(last.inputs[0])
                self.ew(last, "backward_data", "softmax_loss_grad", (y, labels), (d,), 2 * y.elements)
            return {last.name}
        y = self.out(last.name)
        d, _ = self.err_target(last.name)
        self.ew(last, "backward_data", "loss_grad", (y, labels), (d,), 2 * y.elements)
        return set()

    # -- update -----------------------------------------------------------------------------------------
    def update(self, optimizer: str) -> None:
        for layer in self.net.layers:
            params = []
            if layer.weight_elements:
                params.append(("W", self.W(layer), self.tensor(f"{layer.name}.dW", layer.weight_shape, "weight_grad")))
            if layer.bias_elements:
                params.append(("b", self.bias(layer), self.db(layer)))
            for tag, w, dw in params:
                if optimizer == "momentum":
                    v = self.tensor(f"{layer.name}.v{tag}", w.shape, "optimizer")
                    self.ew(layer, "update", "sgd_momentum", (w, dw, v), (v, w), 3 * w.elements,
                            suffix=f"update_{tag}")
                else:
                    self.ew(layer, "update", "sgd", (w, dw), (w,), 2 * w.elements, suffix=f"update_{tag}")


def lower(net: Network, phase: str = "inference", batch: int = 1, optimizer: str = "sgd") -> list[Op]:
    """The ops of one step of ``net`` in launch order.

    Parameters
    ----------
    net : Network
    phase : {"inference", "training"}
        Inference is the forward pass; training adds the loss gradient, the
        backward pass in reverse layer order and the weight update.
    batch : int
        Samples per step (folded into GEMM dimensions: N for conv, M for FC, groups for attention).
    optimizer : {"sgd", "momentum"}
        Weight update of a training step; ``momentum`` adds one ``optimizer`` buffer per parameter tensor.

    Returns
    -------
    list of Gemm | Elementwise
        Deterministic: the same arguments give equal lists.
    """
    if phase not in PHASES:
        raise ConfigError("phase", f"must be one of {', '.join(PHASES)}, got {phase!r}")
    if optimizer not in OPTIMIZERS:
        raise ConfigError("optimizer", f"must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch <= 0:
        raise ConfigError("batch", f"must be a positive integer, got {batch!r}")
    lw = _Lowerer(net, batch, phase)
    for layer in net.layers:
        lw.forward(layer)
    if phase == "training":
        done = lw.loss()
        for layer in reversed(net.layers):
            if layer.name not in done:
                lw.backward(layer)
        lw.update(optimizer)
    return lw.ops
