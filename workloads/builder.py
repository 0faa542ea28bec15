"""Builds a network layer by layer, inferring every shape from the one before.

Model definitions (``workloads/nets``) and the ONNX importer call the
methods here; each returns the new layer's name, which later layers take as
input. Shapes are per sample: ``(C, H, W)`` for feature maps, ``(T, D)`` for
token sequences, ``(F,)`` for flat vectors, ``(heads, T, T)`` for attention
scores. A shape that cannot work (a kernel larger than its padded input,
mismatched adds) is a :class:`ConfigError` naming the layer.
"""

from __future__ import annotations

from math import ceil, prod

from models.errors import ConfigError
from workloads.layers import Layer
from workloads.network import Network


def conv_out(size: int, k: int, stride: int, pad: int, ceil_mode: bool = False) -> int:
    """Output length of a convolution/pooling window sweep (PyTorch rule; Caffe pooling with ``ceil_mode``)."""
    span = size + 2 * pad - k
    if span < 0:
        return 0
    if not ceil_mode:
        return span // stride + 1
    out = ceil(span / stride) + 1
    # Caffe/PyTorch: the last window must start inside the input or left padding.
    if (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


class Builder:
    """Accumulates layers with inferred shapes; :meth:`build` freezes them into a :class:`Network`."""

    def __init__(self, input_shape: tuple[int, ...], dtype: str = "fp32", input_dtype: str | None = None):
        self.dtype = dtype
        self.layers: list[Layer] = []
        self._by_name: dict[str, Layer] = {}
        self._counter: dict[str, int] = {}
        self.add_layer(Layer("input", "input", (), (), tuple(input_shape), dtype=input_dtype or dtype))

    # -- plumbing ---------------------------------------------------------------------------------------
    def shape(self, x: str) -> tuple[int, ...]:
        return self._by_name[x].out_shape

    def _name(self, name: str | None, kind: str) -> str:
        if name is not None:
            return name
        n = self._counter.get(kind, 0) + 1
        self._counter[kind] = n
        return f"{kind}{n}"

    def add_layer(self, layer: Layer) -> str:
        if layer.name in self._by_name:
            raise ConfigError(f"layer {layer.name}", "duplicate layer name")
        for src in layer.inputs:
            if src not in self._by_name:
                raise ConfigError(f"layer {layer.name}", f"input {src!r} is not an earlier layer")
        if any(d <= 0 for d in layer.out_shape):
            raise ConfigError(f"layer {layer.name}", f"output shape {layer.out_shape} is empty (input too small)")
        self.layers.append(layer)
        self._by_name[layer.name] = layer
        return layer.name

    def _simple(self, x, kind, name, out_shape=None, flops_per=1, **kw) -> str:
        shape = self.shape(x)
        out = shape if out_shape is None else out_shape
        return self.add_layer(
            Layer(self._name(name, kind), kind, (x,), (shape,), tuple(out), flops=flops_per * prod(out),
                  dtype=self.dtype, **kw)
        )

    # -- compute layers ---------------------------------------------------------------------------------
    def conv(self, x, out_c, k, stride=1, pad=0, groups=1, bias=True, name=None, shortcut=False) -> str:
        """2-D convolution; MACs = out_h·out_w·out_c·(kh·kw·in_c/groups)."""
        shape = self.shape(x)
        name = self._name(name, "conv")
        if len(shape) != 3:
            raise ConfigError(f"layer {name}", f"convolution needs a (C, H, W) input, got {shape}")
        c, h, w = shape
        (kh, kw), (sh, sw), (ph, pw) = _pair(k), _pair(stride), _pair(pad)
        if c % groups or out_c % groups:
            raise ConfigError(f"layer {name}", f"groups={groups} must divide in_c={c} and out_c={out_c}")
        oh, ow = conv_out(h, kh, sh, ph), conv_out(w, kw, sw, pw)
        kdim = kh * kw * (c // groups)
        return self.add_layer(
            Layer(name, "conv", (x,), (shape,), (out_c, oh, ow), weight_shape=(out_c, c // groups, kh, kw),
                  bias_elements=out_c if bias else 0, macs=oh * ow * out_c * kdim, kernel=(kh, kw),
                  stride=(sh, sw), padding=(ph, pw), groups=groups, dtype=self.dtype, shortcut=shortcut)
        )

    def fc(self, x, out_f, bias=True, name=None, shares_weight="") -> str:
        """Fully connected. A (C, H, W) or (F,) input is flattened; a (T, D) input is transformed per token."""
        shape = self.shape(x)
        name = self._name(name, "fc")
        if len(shape) == 2:
            rows, in_f = shape
            out = (rows, out_f)
        else:
            rows, in_f = 1, prod(shape)
            out = (out_f,)
        if shares_weight:
            owner = self._by_name.get(shares_weight)
            if owner is None or owner.weight_shape != (out_f, in_f):
                raise ConfigError(f"layer {name}", f"cannot share the weight of {shares_weight!r}")
        return self.add_layer(
            Layer(name, "fc", (x,), (shape,), out, weight_shape=(out_f, in_f), bias_elements=out_f if bias else 0,
                  macs=rows * in_f * out_f, dtype=self.dtype, shares_weight=shares_weight)
        )

    def pool(self, x, k, stride=None, pad=0, mode="max", ceil_mode=False, name=None) -> str:
        shape = self.shape(x)
        name = self._name(name, f"{mode}pool")
        c, h, w = shape
        (kh, kw), (ph, pw) = _pair(k), _pair(pad)
        sh, sw = _pair(stride if stride is not None else k)
        out = (c, conv_out(h, kh, sh, ph, ceil_mode), conv_out(w, kw, sw, pw, ceil_mode))
        return self.add_layer(
            Layer(name, "pool", (x,), (shape,), out, flops=prod(out) * kh * kw, kernel=(kh, kw), stride=(sh, sw),
                  padding=(ph, pw), op=mode, dtype=self.dtype)
        )

    def global_pool(self, x, mode="avg", name=None) -> str:
        c, h, w = self.shape(x)
        return self.pool(x, (h, w), stride=1, mode=mode, name=name)

    def act(self, x, fn="relu", name=None) -> str:
        return self._simple(x, "activation", name or self._name(None, fn), op=fn)

    def bn(self, x, name=None) -> str:
        c = self.shape(x)[0]
        return self._simple(x, "batchnorm", name, flops_per=2, weight_shape=(c,), bias_elements=c)

    def ln(self, x, name=None) -> str:
        d = self.shape(x)[-1]
        return self._simple(x, "layernorm", name, flops_per=5, weight_shape=(d,), bias_elements=d)

    def lrn(self, x, size=5, name=None) -> str:
        return self._simple(x, "lrn", name, flops_per=size + 3, kernel=(size, 1))

    def softmax(self, x, name=None) -> str:
        return self._simple(x, "softmax", name, flops_per=3)

    def dropout(self, x, name=None) -> str:
        return self._simple(x, "dropout", name, flops_per=0)

    def flatten(self, x, name=None) -> str:
        return self._simple(x, "reshape", name, out_shape=(prod(self.shape(x)),), flops_per=0, op="flatten")

    def reshape(self, x, shape, name=None) -> str:
        shape = tuple(int(s) for s in shape)
        if prod(shape) != prod(self.shape(x)):
            raise ConfigError(f"layer {name or x}", f"cannot reshape {self.shape(x)} to {shape}")
        return self._simple(x, "reshape", name, out_shape=shape, flops_per=0, op="view")

    def to_tokens(self, x, name=None) -> str:
        """(C, H, W) feature map → (H·W, C) token sequence (ViT patch embedding)."""
        c, h, w = self.shape(x)
        return self._simple(x, "reshape", name, out_shape=(h * w, c), flops_per=0, op="tokens")

    def add(self, a, b, name=None) -> str:
        sa, sb = self.shape(a), self.shape(b)
        name = self._name(name, "add")
        if sa != sb:
            raise ConfigError(f"layer {name}", f"cannot add shapes {sa} and {sb}")
        return self.add_layer(Layer(name, "add", (a, b), (sa, sb), sa, flops=prod(sa), dtype=self.dtype))

    def concat(self, xs, name=None) -> str:
        shapes = [self.shape(x) for x in xs]
        name = self._name(name, "concat")
        rest = {s[1:] for s in shapes}
        if len(rest) != 1:
            raise ConfigError(f"layer {name}", f"cannot concatenate shapes {shapes} along axis 0")
        out = (sum(s[0] for s in shapes),) + shapes[0][1:]
        return self.add_layer(Layer(name, "concat", tuple(xs), tuple(shapes), out, dtype=self.dtype))

    # -- transformer layers -----------------------------------------------------------------------------
    def embedding(self, x, vocab, dim, name=None) -> str:
        (t,) = self.shape(x)
        return self._simple(x, "embedding", name, out_shape=(t, dim), flops_per=0, weight_shape=(vocab, dim))

    def pos_embed(self, x, rows, cls_tokens=0, name=None) -> str:
        """Add a learned (rows, D) table; ``cls_tokens`` learned tokens are prepended first (ViT)."""
        t, d = self.shape(x)
        name = self._name(name, "pos_embed")
        if t + cls_tokens > rows:
            raise ConfigError(f"layer {name}", f"sequence of {t + cls_tokens} tokens exceeds the {rows}-row table")
        return self._simple(x, "pos_embed", name, out_shape=(t + cls_tokens, d), weight_shape=(rows + cls_tokens, d))

    def select(self, x, name=None) -> str:
        """The first token of a (T, D) sequence (BERT pooler, ViT class token)."""
        t, d = self.shape(x)
        return self._simple(x, "select", name, out_shape=(d,), flops_per=0)

    def attention_scores(self, q, k, heads, name=None) -> str:
        """scores[h] = Q_h K_hᵀ for each head: (T, D) × (T, D) → (heads, T, T); MACs = T·T·D."""
        (t, d), sk = self.shape(q), self.shape(k)
        name = self._name(name, "scores")
        if sk != (t, d) or d % heads:
            raise ConfigError(f"layer {name}", f"bad attention shapes {self.shape(q)}, {sk} for {heads} heads")
        return self.add_layer(
            Layer(name, "matmul", (q, k), ((t, d), sk), (heads, t, t), macs=t * t * d, heads=heads, op="qk",
                  flops=heads * t * t, dtype=self.dtype)
        )

    def attention_context(self, p, v, heads, name=None) -> str:
        """context_h = P_h V_h: (heads, T, T) × (T, D) → (T, D); MACs = T·T·D."""
        sp, (t, d) = self.shape(p), self.shape(v)
        name = self._name(name, "context")
        if sp != (heads, t, t) or d % heads:
            raise ConfigError(f"layer {name}", f"bad attention shapes {sp}, {(t, d)} for {heads} heads")
        return self.add_layer(
            Layer(name, "matmul", (p, v), (sp, (t, d)), (t, d), macs=t * t * d, heads=heads, op="av",
                  dtype=self.dtype)
        )

    # -- result -----------------------------------------------------------------------------------------
    def build(self, name: str, dataset: str, classes: int = 0, variant: str = "", source: str = "") -> Network:
        return Network(name=name, dataset=dataset, dtype=self.dtype, layers=tuple(self.layers), classes=classes,
                       variant=variant, source=source)
