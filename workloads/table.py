"""Per-layer tables of a network for a phase and batch (the API behind ``nvmsim workloads show``)."""

from __future__ import annotations

import pandas as pd

from workloads.network import Network
from workloads.ops import Gemm


def _fmt(shape) -> str:
    return "x".join(str(d) for d in shape)


def layer_table(net: Network, phase: str = "inference", batch: int = 1, optimizer: str = "sgd") -> pd.DataFrame:
    """One row per layer (the input excluded) with shapes, weights, MACs and bytes for ``batch`` samples.

    Columns: ``layer, kind, in_shape, out_shape`` (per sample), ``weights``,
    ``macs`` (forward, whole batch), ``macs_fwd, macs_bwd_data, macs_bwd_weight``
    (from the lowered ops), ``weight_B``, ``in_B`` and ``out_B`` (activation
    bytes for the batch), ``gemms`` and ``elementwise`` (op counts) and
    ``touched_B`` — bytes of every tensor the layer's ops read or write, each
    counted once per op (a traffic floor with perfect on-chip reuse inside an op).
    """
    ops = net.ops(phase=phase, batch=batch, optimizer=optimizer)
    per: dict[str, dict] = {}
    for op in ops:
        row = per.setdefault(op.layer, {"forward": 0, "backward_data": 0, "backward_weight": 0, "gemms": 0,
                                        "elementwise": 0, "touched_B": 0})
        if isinstance(op, Gemm):
            row[op.pass_] += op.macs
            row["gemms"] += 1
            touched = {op.a.name: op.a, op.b.name: op.b, op.c.name: op.c}
            for t in (op.lowered,):
                if t is not None:
                    touched[t.name] = t
        else:
            row["elementwise"] += 1
            touched = {t.name: t for t in (*op.reads, *op.writes)}
        row["touched_B"] += sum(t.nbytes for t in touched.values())
    rows = []
    for layer in net.layers[1:]:
        r = per.get(layer.name, {})
        rows.append({
            "layer": layer.name, "kind": layer.kind if not layer.op else f"{layer.kind}:{layer.op}",
            "in_shape": ",".join(_fmt(s) for s in layer.in_shapes), "out_shape": _fmt(layer.out_shape),
            "weights": layer.weights, "macs": layer.macs * batch,
            "macs_fwd": r.get("forward", 0), "macs_bwd_data": r.get("backward_data", 0),
            "macs_bwd_weight": r.get("backward_weight", 0),
            "weight_B": layer.weight_B, "in_B": layer.in_B * batch, "out_B": layer.out_B * batch,
            "gemms": r.get("gemms", 0), "elementwise": r.get("elementwise", 0), "touched_B": r.get("touched_B", 0),
        })
    return pd.DataFrame(rows)


def ops_table(net: Network, phase: str = "inference", batch: int = 1, optimizer: str = "sgd") -> pd.DataFrame:
    """One row per lowered op in launch order: pass, kind, GEMM dimensions and the tensors it touches.

    ``lowered`` names the activation an im2col/col2im kernel reads or writes; ``read_B`` and
    ``write_B`` are the bytes of the tensors the op reads and writes (a GEMM reads A, B — and C
    when accumulating — and writes C).
    """
    rows = []
    for i, op in enumerate(net.ops(phase=phase, batch=batch, optimizer=optimizer)):
        if isinstance(op, Gemm):
            reads = [op.a, op.b] + ([op.c] if op.accumulate else [])
            rows.append({"index": i, "op": op.name, "layer": op.layer, "pass": op.pass_, "kind": "gemm",
                         "M": op.M, "N": op.N, "K": op.K, "groups": op.groups, "macs": op.macs,
                         "tensors": f"{op.c.name} = {op.a.name} x {op.b.name}",
                         "lowered": op.lowered.name if op.lowered is not None else "",
                         "read_B": sum(t.nbytes for t in reads), "write_B": op.c.nbytes})
        else:
            rows.append({"index": i, "op": op.name, "layer": op.layer, "pass": op.pass_, "kind": op.kind,
                         "M": 0, "N": 0, "K": 0, "groups": 0, "macs": 0,
                         "tensors": ",".join(t.name for t in op.writes) + " <- " + ",".join(t.name for t in op.reads),
                         "lowered": "", "read_B": sum(t.nbytes for t in op.reads),
                         "write_B": sum(t.nbytes for t in op.writes)})
    return pd.DataFrame(rows)
