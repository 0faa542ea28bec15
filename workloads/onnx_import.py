"""Importing a user's model: an ONNX file → :class:`~workloads.network.Network`.

The graph is walked in its (topological) node order and each node becomes a
layer through :class:`~workloads.builder.Builder`, so every shape is inferred
here, from the input's shape and the initializers — the file's own
``value_info`` is not trusted. Weights come from the initializers' shapes
(batch-norm counts its scale and shift, not the running statistics, as
PyTorch does). Supported operators: Conv, Gemm, MatMul (with a constant
right operand, optionally followed by an Add of a constant bias), Relu,
Sigmoid, Tanh, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool,
BatchNormalization, Add, Concat (channels), Flatten, Reshape, Softmax, LRN,
Dropout and Identity. Anything else is a :class:`ConfigError` naming the node.

``onnx`` is an optional dependency (``pip install nvmsim[onnx]``); it is
imported only when a file is loaded.
"""

from __future__ import annotations

from dataclasses import replace
from math import prod
from pathlib import Path

from models.errors import ConfigError, FileFormatError
from workloads.builder import Builder
from workloads.datasets import check_dtype, get_dataset
from workloads.network import Network

# onnx.TensorProto element types → nvmsim dtypes (anything else computes in fp32).
_ELEM_DTYPE = {1: "fp32", 10: "fp16", 16: "bf16", 3: "int8"}

SUPPORTED = ("Conv", "Gemm", "MatMul", "Relu", "Sigmoid", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool",
             "GlobalMaxPool", "BatchNormalization", "Add", "Concat", "Flatten", "Reshape", "Softmax", "LRN",
             "Dropout", "Identity")


def _import_onnx():
    try:
        import onnx  # the optional extra nvmsim[onnx], needed only here
        from onnx import numpy_helper
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ConfigError("onnx", "importing ONNX models needs the 'onnx' package: pip install nvmsim[onnx]") from None
    return onnx, numpy_helper


def _attrs(onnx, node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class _Importer:
    def __init__(self, onnx, numpy_helper, model, path, dataset: str | None, dtype: str | None):
        self.onnx, self.nh, self.model, self.path = onnx, numpy_helper, model, path
        graph = model.graph
        self.init = {t.name: tuple(int(d) for d in t.dims) for t in graph.initializer}
        self.values = {t.name: t for t in graph.initializer}  # constant tensors (for Reshape shapes)
        inputs = [i for i in graph.input if i.name not in self.init]
        if len(inputs) != 1:
            raise FileFormatError(path, f"expected one non-constant graph input, found {len(inputs)}")
        inp = inputs[0]
        ttype = inp.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in ttype.shape.dim]
        self.classes = 0
        if dataset is not None:
            ds = get_dataset(dataset)
            shape = ds.shape
            self.classes = ds.classes
            if len(dims) == len(shape) + 1 and any(a is not None and a != b for a, b in zip(dims[1:], shape,
                                                                                          strict=True)):
                raise ConfigError("dataset", f"{dataset} input {shape} does not fit the model's input {dims[1:]}")
        else:
            if len(dims) < 2 or any(d is None or d <= 0 for d in dims[1:]):
                raise ConfigError("dataset", f"the model's input {inp.name!r} has shape {dims}: give a dataset")
            shape = tuple(dims[1:])
        self.dataset = dataset or "custom"
        dtype = dtype or _ELEM_DTYPE.get(ttype.elem_type, "fp32")
        self.b = Builder(tuple(shape), dtype=check_dtype(dtype))
        self.name_of = {inp.name: "input"}  # ONNX value name -> layer name
        self.used: set[str] = set()

    def layer_name(self, node, index: int) -> str:
        name = node.name or (node.output[0] if node.output else f"{node.op_type}_{index}")
        if name in self.used or name == "input":
            name = f"{name}_{index}"
        self.used.add(name)
        return name

    def src(self, node, value: str) -> str:
        if value not in self.name_of:
            what = "a constant" if value in self.init else "not produced by an earlier node"
            raise ConfigError(f"node {node.name or node.op_type}", f"input {value!r} is {what}; unsupported here")
        return self.name_of[value]

    def const(self, node, value: str):
        if value not in self.values:
            raise ConfigError(f"node {node.name or node.op_type}", f"input {value!r} must be a constant")
        return self.nh.to_array(self.values[value])

    def run(self) -> None:
        for i, node in enumerate(self.model.graph.node):
            self.node(node, i)

    def node(self, node, i: int) -> None:  # noqa: C901 - one dispatch over operator types
        op, a, b = node.op_type, _attrs(self.onnx, node), self.b
        where = f"node {node.name or i} ({op})"
        if op == "Constant":
            self.values[node.output[0]] = a["value"]
            return
        if op not in SUPPORTED:
            raise ConfigError(where, f"unsupported ONNX operator {op!r}; supported: {', '.join(SUPPORTED)}")
        name = self.layer_name(node, i)
        if op == "Conv":
            w = self.init.get(node.input[1])
            if w is None:
                raise ConfigError(where, "the weight must be an initializer")
            if any(d != 1 for d in a.get("dilations", [1, 1])):
                raise ConfigError(where, "dilated convolutions are not supported")
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if pads[:2] != pads[2:]:
                raise ConfigError(where, f"asymmetric padding {pads} is not supported")
            if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                raise ConfigError(where, "auto_pad is not supported; export with explicit pads")
            k = tuple(a.get("kernel_shape", w[2:]))
            out = b.conv(self.src(node, node.input[0]), w[0], k, tuple(a.get("strides", [1, 1])), tuple(pads[:2]),
                         groups=int(a.get("group", 1)), bias=len(node.input) > 2 and bool(node.input[2]), name=name)
        elif op == "Gemm":
            if a.get("transA", 0):
                raise ConfigError(where, "transA=1 is not supported")
            w = self.init.get(node.input[1])
            if w is None or len(w) != 2:
                raise ConfigError(where, "B must be a 2-D initializer")
            out_f = w[0] if a.get("transB", 0) else w[1]
            out = b.fc(self.src(node, node.input[0]), out_f, bias=len(node.input) > 2 and bool(node.input[2]),
                       name=name)
        elif op == "MatMul":
            w = self.init.get(node.input[1])
            if w is None or len(w) != 2:
                raise ConfigError(where, "only MatMul by a 2-D initializer (a linear layer) is supported")
            out = b.fc(self.src(node, node.input[0]), w[1], bias=False, name=name)
        elif op in ("Relu", "Sigmoid", "Tanh"):
            out = b.act(self.src(node, node.input[0]), op.lower(), name=name)
        elif op in ("MaxPool", "AveragePool"):
            pads = list(a.get("pads", [0, 0, 0, 0]))
            if pads[:2] != pads[2:]:
                raise ConfigError(where, f"asymmetric padding {pads} is not supported")
            k = tuple(a["kernel_shape"])
            out = b.pool(self.src(node, node.input[0]), k, tuple(a.get("strides", [1, 1])), tuple(pads[:2]),
                         mode="max" if op == "MaxPool" else "avg", ceil_mode=bool(a.get("ceil_mode", 0)), name=name)
        elif op in ("GlobalAveragePool", "GlobalMaxPool"):
            out = b.global_pool(self.src(node, node.input[0]), "avg" if op == "GlobalAveragePool" else "max",
                                name=name)
        elif op == "BatchNormalization":
            out = b.bn(self.src(node, node.input[0]), name=name)
        elif op == "Add":
            out = self._add(node, name, where)
        elif op == "Concat":
            srcs = [self.src(node, v) for v in node.input]
            rank = len(b.shape(srcs[0])) + 1
            if int(a.get("axis", 1)) not in (1, 1 - rank):
                raise ConfigError(where, "only concatenation along the channel axis (1) is supported")
            out = b.concat(srcs, name=name)
        elif op == "Flatten":
            if int(a.get("axis", 1)) != 1:
                raise ConfigError(where, "only Flatten with axis=1 is supported")
            out = b.flatten(self.src(node, node.input[0]), name=name)
        elif op == "Reshape":
            out = self._reshape(node, name, where)
        elif op == "Softmax":
            out = b.softmax(self.src(node, node.input[0]), name=name)
        elif op == "LRN":
            out = b.lrn(self.src(node, node.input[0]), int(a["size"]), name=name)
        else:  # Dropout, Identity
            out = b.dropout(self.src(node, node.input[0]), name=name)
        self.name_of[node.output[0]] = out

    def _add(self, node, name, where) -> str:
        b = self.b
        consts = [v for v in node.input if v in self.init]
        if not consts:
            return b.add(self.src(node, node.input[0]), self.src(node, node.input[1]), name=name)
        # MatMul + Add(bias): fold the bias into the linear layer it follows.
        other = next(v for v in node.input if v not in self.init)
        src = self.src(node, other)
        last = b.layers[-1]
        bias = prod(self.init[consts[0]])
        if last.name == src and last.kind == "fc" and not last.bias_elements and bias == last.weight_shape[0]:
            b.layers[-1] = replace(last, bias_elements=bias)
            b._by_name[src] = b.layers[-1]
            return src
        raise ConfigError(where, "adding a constant is only supported as the bias of the MatMul just before it")

    def _reshape(self, node, name, where) -> str:
        src = self.src(node, node.input[0])
        target = [int(d) for d in self.const(node, node.input[1]).reshape(-1)]
        shape = (1,) + self.b.shape(src)  # batch 1: resolve 0 (copy) and -1 (infer)
        dims = [shape[i] if d == 0 else d for i, d in enumerate(target)]
        if dims.count(-1) > 1:
            raise ConfigError(where, f"bad reshape target {target}")
        if -1 in dims:
            known = prod(d for d in dims if d != -1)
            dims[dims.index(-1)] = prod(shape) // known
        if prod(dims) != prod(shape) or dims[0] != 1:
            raise ConfigError(where, f"cannot reshape {shape[1:]} per sample to {target}")
        if len(dims) == 2:
            return self.b.flatten(src, name=name)
        return self.b.reshape(src, dims[1:], name=name)


def load_onnx(path, dataset: str | None = None, dtype: str | None = None) -> Network:
    """Read an ONNX model and build the network it describes.

    Parameters
    ----------
    path : str or Path
        An ``.onnx`` file.
    dataset : str, optional
        Gives the per-sample input shape (and class count) when the file's input
        has symbolic dimensions; otherwise the file's own input shape is used
        (the first dimension is the batch).
    dtype : str, optional
        Element type; default from the graph input (fp32 when not fp16/bf16/int8).

    Raises
    ------
    FileFormatError
        The file is missing, not ONNX, or has no single input.
    ConfigError
        An unsupported operator or attribute (the message names the node).
    """
    onnx, numpy_helper = _import_onnx()
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "no such file")
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # onnx raises DecodeError and friends
        raise FileFormatError(path, f"not a readable ONNX model ({exc.__class__.__name__})") from None
    if not model.graph.node:
        raise FileFormatError(path, "the ONNX graph has no nodes")
    imp = _Importer(onnx, numpy_helper, model, path, dataset, dtype)
    imp.run()
    name = model.graph.name or path.stem
    return imp.b.build(name, imp.dataset, imp.classes, variant="onnx", source=str(path.name))
