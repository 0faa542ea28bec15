"""Gemm.trans_a / trans_b: how the lowering says each operand is stored, checked against the tensors' shapes.

Oracle: the operand layouts of DarkNet's GPU layers (``forward_connected_layer_gpu``: ``gemm(0,1)`` with the
input as A and the out x in weights as B; ``backward_connected_layer_gpu``: ``gemm(1,0)`` for dW and ``gemm(0,0)``
for the input's delta; ``backward_convolutional_layer_gpu``: ``gemm(0,1)`` dW += delta . col^T and ``gemm(1,0)``
dcol = W^T . delta), and the definition of a row-major stored matrix: op(A) is M x K and op(B) is K x N, so the
buffer holds M x K (K x M when transposed) and K x N (N x K when transposed) per group.
"""

from math import prod

import numpy as np

from traces import gpu_trace, network_trace
from workloads import zoo
from workloads.builder import Builder
from workloads.ops import Gemm, Tensor

BATCH = 2


def _matrix_view(tensor, groups, rows, cols, heads_ok=False) -> bool:
    """Whether a tensor of ``shape`` holds ``groups`` row-major ``rows x cols`` matrices.

    Three layouts occur: a plain view (the trailing dims are the columns, the leading dims the groups x rows);
    batch-major per image (a convolution folds the batch into the column dimension: each image holds
    ``rows x cols/B``); and attention heads (``(B, T, H*d)`` read as ``B*H`` matrices ``T x d``).
    """
    shape = tuple(tensor.shape)
    batch_major = tensor.kind in ("input", "activation", "error") and shape[0] == BATCH

    def plain(shape, g, r, c):
        if prod(shape) != g * r * c:
            return False
        return any(prod(shape[i:]) == c and prod(shape[:i]) == g * r for i in range(len(shape) + 1))

    if plain(shape, groups, rows, cols):
        return True
    if batch_major and len(shape) >= 2 and cols % BATCH == 0 and plain(shape[1:], groups, rows, cols // BATCH):
        return True
    if heads_ok and batch_major and len(shape) == 3 and groups % BATCH == 0:
        heads = groups // BATCH
        return shape[1] == rows and shape[2] == cols * heads
    return False


def _networks():
    for name in zoo.names():
        datasets = zoo.summary().set_index("network").loc[name, "datasets"].split(",")
        for ds in datasets:
            if ds != "cifar100":  # same layers as cifar10 but the classifier width
                yield name, ds


def _gemms(phase="training"):
    for name, ds in _networks():
        net = zoo.get(name, dataset=ds)
        for op in net.ops(phase=phase, batch=BATCH):
            if isinstance(op, Gemm):
                yield f"{name}/{ds}", net, op


def test_every_zoo_gemm_states_its_layout_and_it_fits_the_stored_shapes():
    seen = 0
    for where, net, op in _gemms():
        assert op.trans_a is not None and op.trans_b is not None, (where, op.name)
        attention = net.layer(op.layer).kind == "matmul"
        a_rc = (op.K, op.M) if op.trans_a else (op.M, op.K)
        b_rc = (op.N, op.K) if op.trans_b else (op.K, op.N)
        assert _matrix_view(op.a, op.groups, *a_rc, heads_ok=attention), (where, op.name, "A", op.a.shape)
        assert _matrix_view(op.b, op.groups, *b_rc, heads_ok=attention), (where, op.name, "B", op.b.shape)
        assert _matrix_view(op.c, op.groups, op.M, op.N, heads_ok=attention), (where, op.name, "C")
        seen += 1
    assert seen > 1000


def test_the_check_rejects_the_wrong_orientation():
    # The shape check can fail: flipping the flag of a rectangular operand breaks it for nearly every GEMM
    # (square operands are covered by the form test below; a few tiny ones, e.g. one output column per image,
    # fit both ways).
    tried = rejected = 0
    for _where, net, op in _gemms():
        heads = net.layer(op.layer).kind == "matmul"
        for t, trans, r, c in ((op.a, op.trans_a, op.M, op.K), (op.b, op.trans_b, op.K, op.N)):
            if r != c:
                tried += 1
                wrong = (r, c) if trans else (c, r)
                rejected += not _matrix_view(t, op.groups, *wrong, heads_ok=heads)
    assert tried > 2000 and rejected > 0.9 * tried, (tried, rejected)


def test_flags_depend_only_on_the_gemm_form():
    # A square operand (AlexNet fc7 4096x4096, BERT's 768x768 projections, attention's T x T scores) fits both
    # orientations, so its flags must equal those of the same GEMM form where the shapes decide.
    forms: dict[tuple, set] = {}
    for _where, net, op in _gemms():
        layer = net.layer(op.layer)
        kind = f"{layer.kind}:{layer.op}" if layer.kind == "matmul" else layer.kind
        forms.setdefault((kind, op.name.split(".")[-1], op.lowered is not None), set()).add((op.trans_a, op.trans_b))
    assert all(len(v) == 1 for v in forms.values()), {k: v for k, v in forms.items() if len(v) > 1}
    assert forms[("fc", "fwd", False)] == {(False, True)}  # DarkNet gemm(0,1): x . W^T
    assert forms[("fc", "bwd_weight", False)] == {(True, False)}  # gemm(1,0): delta^T . x
    assert forms[("fc", "bwd_data", False)] == {(False, False)}  # gemm(0,0): delta . W
    assert forms[("conv", "bwd_weight", True)] == {(False, True)}  # gemm(0,1): delta . col^T
    assert forms[("conv", "bwd_data", True)] == {(True, False)}  # gemm(1,0): W^T . delta
    assert forms[("matmul:qk", "fwd", False)] == {(False, True)}  # S = Q . K^T, K stored T x d
    assert forms[("matmul:qk", "bwd_data_k", False)] == {(True, False)}  # dK = dS^T . Q
    assert forms[("matmul:av", "bwd_data_p", False)] == {(False, True)}  # dP = dO . V^T
    assert forms[("matmul:av", "bwd_data_v", False)] == {(True, False)}  # dV = P^T . dO


def _stored(x, trans):
    return x.T.copy() if trans else x


def test_fc_flags_compute_the_layer_numerically():
    # Multiply the operands as they are stored, honouring the flags, and compare to the layer's definition.
    rng = np.random.default_rng(3)
    t, d, out_f = 4, 6, 10
    b = Builder((t, d))
    q = b.fc("input", out_f, bias=False, name="q")
    b.fc(q, d, bias=False, name="back")
    net = b.build("t", "custom")
    ops = {op.name: op for op in net.ops("training", batch=1)}
    x = rng.standard_normal((t, d))
    w = rng.standard_normal((out_f, d))  # stored out x in
    dy = rng.standard_normal((t, out_f))

    def run(op, a_buf, b_buf):
        a = a_buf.reshape((op.K, op.M) if op.trans_a else (op.M, op.K))
        bb = b_buf.reshape((op.N, op.K) if op.trans_b else (op.K, op.N))
        return (a.T if op.trans_a else a) @ (bb.T if op.trans_b else bb)

    np.testing.assert_allclose(run(ops["q.fwd"], x, w), x @ w.T)
    np.testing.assert_allclose(run(ops["q.bwd_weight"], dy, x), dy.T @ x)  # dL/dW for y = x W^T
    w2 = rng.standard_normal((d, out_f))
    dz = rng.standard_normal((t, d))
    np.testing.assert_allclose(run(ops["back.bwd_data"], dz, w2), dz @ w2)  # dL/dq for z = q W2^T


# AlexNet inference, batch 1, 128 B lines, 28 SMs: 7,367,198 requests before explicit flags, measured at commit
# 4b4e455 with `network_trace("alexnet", phase="inference", batch=1).n_accesses` (flags inferred from shapes).
# The inference then missed fc7's square 4096 x 4096 weight (it ran fc7 as sgemm_nn, 540,672 reads); every other
# kernel is unchanged.
ALEXNET_B1_BEFORE = 7_367_198
FC7_BEFORE_READS = 540_672


def test_alexnet_inference_counts_unchanged_except_the_square_fc():
    tr = network_trace("alexnet", phase="inference", batch=1)
    k = tr.kernels.set_index("op")
    fc7 = k[k["kind"] == "sgemm"].loc["fc7.fwd"]
    assert fc7["name"] == "sgemm_128x128x8_nt"
    # Closed form for x[1, 4096] . W^T with W stored 4096 x 4096: 512 k-steps of 8. A: one 32 B row segment
    # per k-step per column tile (32 tiles); B^T: one 32 B segment per output column per k-step.
    fc7_reads = 512 * 32 + 4096 * 512
    assert fc7["reads"] == fc7_reads == 2_113_536
    assert tr.n_accesses == ALEXNET_B1_BEFORE - FC7_BEFORE_READS + fc7_reads
    for name in ("fc6.fwd", "fc8.fwd"):  # rectangular weights were already inferred as transposed
        assert k[k["kind"] == "sgemm"].loc[name, "name"] == "sgemm_128x128x8_nt"


def test_generator_honours_explicit_flags_over_inference():
    a, b, c = Tensor("A", (64, 64)), Tensor("B", (64, 64), kind="weight"), Tensor("C", (64, 64))
    counts = {}
    for tb in (None, False, True):
        tr = gpu_trace([Gemm("g", "l", "forward", 64, 64, 64, a, b, c, trans_b=tb)], tile=(32, 32, 8))
        counts[tb] = (tr.kernels["name"][0], int(tr.kernels["reads"][0]))
    assert counts[None] == counts[False] != counts[True]
    assert counts[True][0].endswith("_nt")
