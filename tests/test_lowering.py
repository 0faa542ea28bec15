"""Lowering networks to GEMM / element-wise ops: conservation of work, tensor consistency, DarkNet shapes."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import ConfigError
from workloads import zoo
from workloads.builder import Builder
from workloads.ops import PASSES, TENSOR_KINDS, Elementwise, Gemm


def tensors_of(op):
    if isinstance(op, Gemm):
        return [t for t in (op.a, op.b, op.c, op.lowered) if t is not None]
    return [*op.reads, *op.writes]


@pytest.fixture(scope="module")
def alexnet():
    return zoo.get("alexnet")


def test_forward_totals_equal_macs_times_batch():
    for name in ("alexnet", "resnet18", "mobilenetv2", "bert_base"):
        net = zoo.get(name)
        ops = net.ops("inference", batch=3)
        assert all(op.pass_ == "forward" for op in ops)
        assert sum(op.macs for op in ops) == 3 * net.macs


@pytest.mark.parametrize("name", ["alexnet", "googlenet", "resnet18", "mobilenetv2", "vit_b16", "gpt2"])
def test_training_is_three_times_forward_minus_first_backward_data(name):
    # Per layer with MACs: forward, backward-data and backward-weight each do the forward's MACs
    # (attention matmuls have two backward-data GEMMs instead), except that a layer fed by the network input
    # computes no backward-data.
    net = zoo.get(name, seq_len=16) if name == "gpt2" else zoo.get(name)
    batch = 2
    per = Counter()
    for op in net.ops("training", batch=batch):
        per[op.layer] += op.macs
    for layer in net.layers:
        if not layer.macs:
            continue
        fed_by_input = layer.inputs == ("input",)
        assert per[layer.name] == (2 if fed_by_input else 3) * layer.macs * batch, layer.name
    first = sum(layer.macs for layer in net.layers if layer.inputs == ("input",))
    assert sum(per.values()) == batch * (3 * net.macs - first)


def test_tensors_are_consistent(alexnet):
    for net in (alexnet, zoo.get("resnet18"), zoo.get("bert_base", seq_len=8)):
        seen = {}
        for op in net.ops("training", batch=2, optimizer="momentum"):
            assert op.pass_ in PASSES
            for t in tensors_of(op):
                assert t.kind in TENSOR_KINDS
                assert seen.setdefault(t.name, t) == t, t.name


def test_gemm_operand_sizes_match_their_tensors(alexnet):
    # Each GEMM's operands hold exactly groups*M*K, groups*K*N and groups*M*N elements (or are lowered views).
    for op in alexnet.ops("training", batch=2):
        if not isinstance(op, Gemm):
            continue
        g = op.groups
        sizes = {"a": g * op.M * op.K, "b": g * op.K * op.N, "c": g * op.M * op.N}
        for which, size in sizes.items():
            t = getattr(op, which)
            if t.kind == "weight" or t.kind == "weight_grad":
                assert t.elements == size, op.name
            elif which == op.lowered_operand:
                assert t.kind == "workspace" and t.elements == size, op.name


def test_conv_is_lowered_the_darknet_way(alexnet):
    ops = {op.name: op for op in alexnet.ops("training", batch=4)}
    fwd = ops["conv2.fwd"]
    # conv2: 256 out channels, groups=2, 5x5 over 48 channels per group, 27x27 outputs, batch folded into N.
    assert (fwd.M, fwd.N, fwd.K, fwd.groups) == (128, 4 * 27 * 27, 5 * 5 * 48, 2)
    assert fwd.a.name == "conv2.W" and fwd.a.kind == "weight"
    assert fwd.b.name == "conv2.col" and fwd.b.kind == "workspace" and fwd.b.shape == (2 * 1200, 4 * 729)
    assert fwd.lowered.name == "pool1.out" and fwd.lowered_operand == "b"
    assert fwd.c.name == "conv2.out" and fwd.c.shape == (4, 256, 27, 27)
    bd = ops["conv2.bwd_data"]
    assert (bd.M, bd.N, bd.K) == (1200, 4 * 729, 128) and bd.a.name == "conv2.W" and bd.b.name == "conv2.dout"
    assert bd.lowered.name == "pool1.dout" and bd.lowered.kind == "error" and bd.lowered_operand == "c"
    bw = ops["conv2.bwd_weight"]
    assert (bw.M, bw.N, bw.K) == (128, 1200, 4 * 729) and bw.c.name == "conv2.dW" and bw.accumulate
    assert bw.c.kind == "weight_grad" and bw.lowered.name == "pool1.out"
    assert "conv1.bwd_data" not in ops  # the first layer has no one to send an error to
    # The backward pass reads the activations the forward pass kept.
    assert ops["fc7.bwd_weight"].b.name == "fc6.relu.out"


def test_fc_uses_batch_as_m(alexnet):
    ops = {op.name: op for op in alexnet.ops("training", batch=8)}
    f = ops["fc6.fwd"]
    assert (f.M, f.N, f.K) == (8, 4096, 9216)
    assert f.a.name == "pool5.out"  # flatten is a view: no copy, same tensor
    d = ops["fc6.bwd_data"]
    assert (d.M, d.N, d.K) == (8, 9216, 4096) and d.c.name == "pool5.dout"
    w = ops["fc6.bwd_weight"]
    assert (w.M, w.N, w.K) == (4096, 9216, 8)


def test_one_by_one_convs_skip_im2col():
    ops = {op.name: op for op in zoo.get("squeezenet").ops("training", batch=2)}
    sq = ops["fire2/squeeze1x1.fwd"]
    assert sq.lowered is None and sq.b.name == "pool1.out"
    assert ops["fire2/expand3x3.fwd"].lowered_operand == "b"


def test_branches_accumulate_errors():
    # ResNet: a block input feeds the residual add and the next conv; its error is written once, then accumulated.
    ops = zoo.get("resnet18").ops("training", batch=2)
    writers = [op for op in ops if any(t.name == "layer1.0.relu.dout" for t in
                                       ((op.c, op.lowered) if isinstance(op, Gemm) else op.writes) if t)]
    assert len(writers) == 2
    assert isinstance(writers[0], Elementwise) and writers[0].kind == "add_grad"
    second = writers[1]
    assert second.lowered_operand == "c"  # conv backward-data col2im adds into the error the add wrote


def test_update_and_momentum(alexnet):
    sgd = [op for op in alexnet.ops("training", batch=1) if op.pass_ == "update"]
    mom = [op for op in alexnet.ops("training", batch=1, optimizer="momentum") if op.pass_ == "update"]
    assert len(sgd) == len(mom) == 16  # 8 weighted layers x (W, b)
    assert sum(op.writes[0].elements for op in sgd) == alexnet.weights
    v = [t for op in mom for t in op.writes if t.kind == "optimizer"]
    assert sum(t.elements for t in v) == alexnet.weights
    assert all(op.kind == "sgd_momentum" for op in mom)


def test_tied_weights_share_one_gradient():
    ops = zoo.get("gpt2", seq_len=8).ops("training", batch=1)
    head = next(op for op in ops if op.name == "lm_head.bwd_weight")
    assert head.c.name == "wte.dW"
    emb = next(op for op in ops if op.name == "wte.embedding_grad")
    assert "wte.dW" in [t.name for t in emb.reads]  # adds to the LM head's gradient
    assert sum(1 for op in ops if op.pass_ == "update" and op.writes[0].name == "wte.W") == 1


def test_attention_gemms():
    ops = {op.name: op for op in zoo.get("bert_base", seq_len=16).ops("training", batch=2)}
    s = ops["encoder.layer.0.attn.scores.fwd"]
    assert (s.M, s.N, s.K, s.groups) == (16, 16, 64, 2 * 12)
    c = ops["encoder.layer.0.attn.context.fwd"]
    assert (c.M, c.N, c.K, c.groups) == (16, 64, 16, 24)
    assert c.a.name == "encoder.layer.0.attn.softmax.out"  # dropout is a view


def test_lowering_is_deterministic(alexnet):
    assert alexnet.ops("training", batch=2) == alexnet.ops("training", batch=2)


def test_bad_arguments():
    net = zoo.get("lenet5")
    with pytest.raises(ConfigError, match="phase"):
        net.ops("train")
    with pytest.raises(ConfigError, match="batch"):
        net.ops(batch=0)
    with pytest.raises(ConfigError, match="optimizer"):
        net.ops("training", optimizer="adam")


def test_builder_rejects_impossible_shapes():
    b = Builder((3, 8, 8))
    with pytest.raises(ConfigError, match="empty"):
        b.conv("input", 4, 11)
    x = b.conv("input", 4, 3, pad=1, name="c")
    with pytest.raises(ConfigError, match="cannot add"):
        b.add(x, "input")
    with pytest.raises(ConfigError, match="groups"):
        b.conv(x, 6, 3, groups=3)


def test_table(alexnet):
    df = alexnet.table("training", batch=4)
    assert df["macs"].sum() == 4 * alexnet.macs
    assert df["weights"].sum() == alexnet.weights
    row = df.set_index("layer").loc["conv1"]
    assert row["macs_bwd_data"] == 0 and row["macs_bwd_weight"] == row["macs_fwd"]
    assert row["out_B"] == 4 * 96 * 55 * 55 * 4


def _check_dataflow(ops):
    """Every tensor an op reads was written by an earlier op, or is state that exists before the step."""
    ready = set()

    def need(t, op):
        if t.kind in ("input", "weight", "optimizer") or t.name in ready:
            return
        if t.kind == "weight_grad":  # DarkNet accumulates dW across steps; it exists before the step
            return
        raise AssertionError(f"{op.name} reads {t.name} before anything wrote it")

    for op in ops:
        if isinstance(op, Gemm):
            if op.lowered is not None and op.lowered_operand in ("a", "b"):
                need(op.lowered, op)
                ready.add(getattr(op, op.lowered_operand).name)  # im2col fills the column workspace
            need(op.a, op)
            need(op.b, op)
            if op.accumulate:
                need(op.c, op)
            ready.add(op.c.name)
            if op.lowered_operand == "c":
                ready.add(op.lowered.name)  # col2im
        else:
            for t in op.reads:
                need(t, op)
            ready.update(t.name for t in op.writes)


@pytest.mark.parametrize("name", zoo.names())
def test_every_read_follows_its_write(name):
    net = zoo.get(name, seq_len=16) if name in zoo.SEQ_LEN else zoo.get(name)
    _check_dataflow(net.ops("training", batch=2, optimizer="momentum"))
    _check_dataflow(net.ops("inference", batch=2))


@given(st.lists(st.tuples(st.sampled_from(["conv", "pool", "dw"]), st.integers(1, 3), st.integers(1, 2)),
                min_size=1, max_size=5),
       st.integers(1, 3), st.integers(1, 4))
@settings(max_examples=30, deadline=None)
def test_random_cnns_conserve_work(layers, fc_layers, batch):
    b = Builder((4, 16, 16))
    x = "input"
    for kind, k, s in layers:
        c, h, _ = b.shape(x)
        if h < k:
            break
        if kind == "conv":
            x = b.act(b.conv(x, 2 * c, k, s, k // 2), "relu")
        elif kind == "dw":
            x = b.bn(b.conv(x, c, k, s, k // 2, groups=c, bias=False))
        else:
            x = b.pool(x, k, s, mode="max")
    for _ in range(fc_layers):
        x = b.fc(x, 7)
    b.softmax(x)
    net = b.build("random", "custom")
    train = net.ops("training", batch=batch)
    first = net.layers[1].macs
    assert sum(op.macs for op in train) == batch * (3 * net.macs - first)
    assert sum(op.macs for op in net.ops("inference", batch=batch)) == batch * net.macs
    _check_dataflow(train)
    update = [op for op in train if op.pass_ == "update"]
    assert sum(op.writes[0].elements for op in update) == net.weights
