"""ONNX import: a small model built here with onnx.helper, checked against hand-computed weights and MACs."""

import numpy as np
import pytest

from models.errors import ConfigError, FileFormatError

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from workloads.onnx_import import load_onnx  # noqa: E402


def _init(name, *shape):
    return numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name)


def _small_cnn(batch_dim=1):
    """3x16x16 → conv 8@3x3 (pad 1) → BN → ReLU → LRN → maxpool 2 → [1x1 conv 4 | 3x3 conv 4 groups 2] → concat
    → add with itself-shaped branch → avgpool 2 → global avgpool → flatten → dropout → Gemm 10 → softmax."""
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "g", "be", "m", "v"], ["bn"], name="bn1"),
        helper.make_node("Relu", ["bn"], ["r1"], name="relu1"),
        helper.make_node("LRN", ["r1"], ["n1"], name="lrn1", size=5),
        helper.make_node("MaxPool", ["n1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["c2"], name="conv2", kernel_shape=[1, 1]),
        helper.make_node("Conv", ["p1", "w3", "b3"], ["c3"], name="conv3", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         group=2),
        helper.make_node("Concat", ["c2", "c3"], ["cat"], name="cat", axis=1),
        helper.make_node("Add", ["cat", "p1"], ["sum"], name="res"),
        helper.make_node("AveragePool", ["sum"], ["p2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p2"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["f"], name="flat", axis=1),
        helper.make_node("Dropout", ["f"], ["d"], name="drop"),
        helper.make_node("Gemm", ["d", "wf", "bf"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["y"], name="prob"),
    ]
    inits = [_init("w1", 8, 3, 3, 3), _init("b1", 8), _init("g", 8), _init("be", 8), _init("m", 8), _init("v", 8),
             _init("w2", 4, 8, 1, 1), _init("w3", 4, 4, 3, 3), _init("b3", 4), _init("wf", 10, 8), _init("bf", 10)]
    graph = helper.make_graph(nodes, "small_cnn",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch_dim, 3, 16, 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch_dim, 10])], inits)
    model = helper.make_model(graph)
    onnx.checker.check_model(model)
    return model


def test_small_cnn_counts_by_hand(tmp_path):
    path = tmp_path / "small.onnx"
    onnx.save(_small_cnn(), str(path))
    net = load_onnx(path)
    assert net.name == "small_cnn" and net.input_shape == (3, 16, 16)
    # Weights: conv1 8*27+8, BN scale+shift 2*8 (running stats are not parameters), conv2 4*8,
    # conv3 (groups 2) 4*(4/2... in_c per group = 8/2 = 4)*9 + 4, fc 10*8 + 10.
    assert net.weights == (8 * 27 + 8) + 16 + 32 + (4 * 4 * 9 + 4) + (80 + 10)
    # MACs: conv1 16*16 outputs * 8 ch * 27; conv2 8*8*4*8; conv3 8*8*4*(9*4); fc 8*10.
    assert net.macs == 16 * 16 * 8 * 27 + 8 * 8 * 4 * 8 + 8 * 8 * 4 * 36 + 80
    assert net.conv_fc_layers == (3, 1)
    assert net.layer("conv3").groups == 2
    assert net.layer("cat").out_shape == (8, 8, 8)
    assert net.layer("pool2").out_shape == (8, 4, 4)
    assert net.layer("gap").out_shape == (8, 1, 1)
    # And it lowers like any zoo network.
    ops = net.ops("training", batch=2)
    assert sum(op.macs for op in ops if op.pass_ == "forward") == 2 * net.macs


def test_symbolic_batch_and_dataset(tmp_path):
    model = _small_cnn(batch_dim="N")
    path = tmp_path / "sym.onnx"
    onnx.save(model, str(path))
    assert load_onnx(path).input_shape == (3, 16, 16)
    with pytest.raises(ConfigError, match="does not fit"):
        load_onnx(path, dataset="cifar10")


def test_matmul_with_bias_is_a_linear_layer(tmp_path):
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["flat"], name="reshape"),
             helper.make_node("MatMul", ["flat", "w"], ["mm"], name="linear"),
             helper.make_node("Add", ["mm", "bias"], ["y"], name="bias_add")]
    inits = [_init("w", 784, 32), _init("bias", 32), numpy_helper.from_array(np.array([1, -1], np.int64), "shape")]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 28, 28])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 32])], inits)
    path = tmp_path / "mlp.onnx"
    onnx.save(helper.make_model(graph), str(path))
    net = load_onnx(path, dataset="mnist", dtype="fp16")
    assert net.weights == 784 * 32 + 32 and net.macs == 784 * 32
    assert net.dtype == "fp16" and net.dataset == "mnist"


def test_unknown_operator_names_the_node(tmp_path):
    nodes = [helper.make_node("Einsum", ["x", "x"], ["y"], name="weird_node", equation="ij,ij->ij")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    path = tmp_path / "weird.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(ConfigError, match="weird_node.*Einsum"):
        load_onnx(path)


def test_bad_files(tmp_path):
    with pytest.raises(FileFormatError, match="no such file"):
        load_onnx(tmp_path / "missing.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00\xffnot a protobuf at all\x12\x34")
    with pytest.raises(FileFormatError):
        load_onnx(junk)


def test_cli_shows_an_onnx_model(tmp_path, capsys):
    from simulator.cli import main

    path = tmp_path / "small.onnx"
    onnx.save(_small_cnn(), str(path))
    out = tmp_path / "layers.csv"
    assert main(["workloads", "show", "--onnx", str(path), "--csv", str(out), "--quiet"]) == 0
    import pandas as pd

    df = pd.read_csv(out)
    assert df["macs"].sum() == 16 * 16 * 8 * 27 + 8 * 8 * 4 * 8 + 8 * 8 * 4 * 36 + 80


@pytest.mark.parametrize(
    "op,kernel,stride,pad,ceil",
    [("Conv", 11, 4, 0, 0), ("Conv", 3, 2, 1, 0), ("Conv", 7, 2, 3, 0), ("MaxPool", 3, 2, 0, 1),
     ("MaxPool", 3, 2, 1, 0), ("AveragePool", 2, 2, 0, 0), ("MaxPool", 3, 2, 0, 0), ("AveragePool", 3, 3, 1, 1)],
)
@pytest.mark.parametrize("size", [13, 27, 55, 56])
def test_shapes_agree_with_onnx_shape_inference(op, kernel, stride, pad, ceil, size):
    # Oracle: onnx.shape_inference (ONNX's own operator shape rules, incl. ceil_mode) on the same graph.
    attrs = {"kernel_shape": [kernel, kernel], "strides": [stride, stride], "pads": [pad] * 4}
    inits = []
    inputs = ["x"]
    if op == "Conv":
        inits = [_init("w", 6, 4, kernel, kernel)]
        inputs = ["x", "w"]
    else:
        attrs["ceil_mode"] = ceil
    node = helper.make_node(op, inputs, ["y"], name="n", **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, size, size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph)
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    dims = tuple(d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.onnx"
        onnx.save(model, str(path))
        net = load_onnx(path)
    assert net.layers[-1].out_shape == dims[1:]
