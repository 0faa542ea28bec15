"""The lowered GEMMs compute the layer: run them with numpy and compare to a direct convolution.

Oracle: a naive convolution written from the definition (nested sums over the
window), and its gradients taken as the derivatives of the bilinear form
``L = sum(dout * conv(x, W))`` one basis element at a time. The GEMM
dimensions (M, N, K, groups) come from the lowered ops under test.
"""

import numpy as np
import pytest

from workloads.builder import Builder

rng = np.random.default_rng(7)


def direct_conv(x, w, stride, pad, groups):
    """out[b, o, i, j] = sum_{c, u, v} x_pad[b, g(o)·cg + c, i·s + u, j·s + v] · w[o, c, u, v]."""
    oc, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    per = oc // groups
    outs = [np.einsum("bcijuv,ocuv->boij", win[:, g * cg:(g + 1) * cg], w[g * per:(g + 1) * per])
            for g in range(groups)]
    return np.concatenate(outs, axis=1)


def im2col(x, kh, kw, stride, pad, groups):
    """DarkNet column layout per group: rows (c, ki, kj), columns (image, out_y, out_x)."""
    b, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    cg = c // groups
    col = np.zeros((groups, cg * kh * kw, b * oh * ow))
    for g in range(groups):
        r = 0
        for ci in range(g * cg, (g + 1) * cg):
            for ki in range(kh):
                for kj in range(kw):
                    patch = xp[:, ci, ki:ki + stride * oh:stride, kj:kj + stride * ow:stride]
                    col[g, r] = patch.reshape(-1)
                    r += 1
    return col


def col2im(col, shape, kh, kw, stride, pad, groups):
    b, c, h, wd = shape
    xp = np.zeros((b, c, h + 2 * pad, wd + 2 * pad))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    cg = c // groups
    for g in range(groups):
        r = 0
        for ci in range(g * cg, (g + 1) * cg):
            for ki in range(kh):
                for kj in range(kw):
                    xp[:, ci, ki:ki + stride * oh:stride, kj:kj + stride * ow:stride] += col[g, r].reshape(b, oh, ow)
                    r += 1
    return xp[:, :, pad:pad + h, pad:pad + wd]


@pytest.mark.parametrize("k,stride,pad,groups", [(3, 1, 1, 1), (3, 2, 0, 2), (1, 1, 0, 1), (3, 1, 1, 4)])
def test_conv_gemms_compute_the_convolution(k, stride, pad, groups):
    batch, c, hw, oc = 2, 4, 6, 8
    b = Builder((c, hw, hw))
    pre = b.act("input", "relu", name="pre")  # so the conv is not the first layer and gets backward-data
    b.conv(pre, oc, k, stride, pad, groups=groups, bias=False, name="conv")
    net = b.build("t", "custom")
    ops = {op.name: op for op in net.ops("training", batch=batch)}
    fwd, bd, bw = ops["conv.fwd"], ops["conv.bwd_data"], ops["conv.bwd_weight"]

    x = rng.standard_normal((batch, c, hw, hw))
    w = rng.standard_normal(net.layer("conv").weight_shape)
    ref = direct_conv(x, w, stride, pad, groups)
    dout = rng.standard_normal(ref.shape)
    g = fwd.groups
    assert g == groups

    col = im2col(x, k, k, stride, pad, groups)
    assert col.shape == (g, fwd.K, fwd.N)
    wmat = w.reshape(g, fwd.M, fwd.K)
    out = np.einsum("gmk,gkn->gmn", wmat, col).reshape(oc, batch, *ref.shape[2:]).transpose(1, 0, 2, 3)
    np.testing.assert_allclose(out, ref, atol=1e-10)

    dmat = dout.transpose(1, 0, 2, 3).reshape(g, bw.M, bw.K)  # (groups, out_c/g, B*oh*ow)
    dw = np.einsum("gmk,gnk->gmn", dmat, col).reshape(w.shape)
    assert (bw.M, bw.N) == (fwd.M, fwd.K)
    dcol = np.einsum("gkm,gkn->gmn", wmat, dmat)  # Wᵀ · dout per group
    assert dcol.shape == (g, bd.M, bd.N)
    dx = col2im(dcol, x.shape, k, k, stride, pad, groups)

    # Gradients of L = sum(dout * conv(x, W)), one basis element at a time (L is linear in each argument).
    dw_ref = np.zeros_like(w)
    for idx in np.ndindex(w.shape):
        e = np.zeros_like(w)
        e[idx] = 1
        dw_ref[idx] = (dout * direct_conv(x, e, stride, pad, groups)).sum()
    np.testing.assert_allclose(dw, dw_ref, atol=1e-9)
    dx_ref = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = 1
        dx_ref[idx] = (dout * direct_conv(e, w, stride, pad, groups)).sum()
    np.testing.assert_allclose(dx, dx_ref, atol=1e-9)


def test_fc_and_attention_gemms_compute_the_layer():
    batch, t, d, heads = 2, 5, 8, 2
    b = Builder((t, d))
    q = b.fc("input", d, bias=False, name="q")
    s = b.attention_scores(q, "input", heads, name="scores")
    b.attention_context(s, q, heads, name="ctx")
    net = b.build("t", "custom")
    ops = {op.name: op for op in net.ops("inference", batch=batch)}
    x = rng.standard_normal((batch, t, d))
    w = rng.standard_normal((d, d))
    fq = ops["q.fwd"]
    qv = (x.reshape(fq.M, fq.K) @ w.T).reshape(batch, t, d)  # FC: M = batch*tokens, B operand is Wᵀ
    fs = ops["scores.fwd"]
    qh = qv.reshape(batch, t, heads, d // heads).transpose(0, 2, 1, 3).reshape(fs.groups, fs.M, fs.K)
    kh = x.reshape(batch, t, heads, d // heads).transpose(0, 2, 1, 3).reshape(fs.groups, fs.N, fs.K)
    scores = qh @ kh.transpose(0, 2, 1)
    ref = np.einsum("btHe,bsHe->bHts", qv.reshape(batch, t, heads, -1), x.reshape(batch, t, heads, -1))
    np.testing.assert_allclose(scores.reshape(ref.shape), ref, atol=1e-10)
    fc = ops["ctx.fwd"]
    ctx = scores @ qh  # (groups, T, T) @ (groups, T, dk)
    assert ctx.shape == (fc.groups, fc.M, fc.N) and fc.K == t
