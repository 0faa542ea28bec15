"""``nvmsim workloads``: list the network zoo, show a network's per-layer table or its lowered ops."""

from __future__ import annotations

from pathlib import Path

from simulator.cli._common import add_output_options, emit, positive_int

_LIST_COLUMNS = ["network", "dataset", "datasets", "weights", "macs", "layers", "conv", "fc", "description"]


def _network(args):
    if args.onnx is not None:
        from workloads.onnx_import import load_onnx

        return load_onnx(args.onnx, dataset=args.dataset, dtype=args.dtype)
    from workloads import zoo

    if args.name is None:
        from models.errors import ConfigError

        raise ConfigError("NAME", f"give a network name ({', '.join(zoo.names())}) or --onnx FILE")
    return zoo.get(args.name, dataset=args.dataset, dtype=args.dtype, seq_len=args.seq_len)


def _list(args) -> int:
    from workloads import zoo

    emit(zoo.summary(), args, "workloads", columns=_LIST_COLUMNS)
    return 0


def _summary_line(net, args) -> str:
    conv, fc = net.conv_fc_layers
    return (f"# {net.name} ({net.variant or 'onnx'}) on {net.dataset}, {net.dtype}: {net.weights:,} weights, "
            f"{net.macs:,} MACs/sample, {conv} conv + {fc} fc; phase {args.phase}, batch {args.batch}")


def _show(args) -> int:
    net = _network(args)
    df = net.table(phase=args.phase, batch=args.batch, optimizer=args.optimizer)
    if not args.quiet:
        print(_summary_line(net, args))
    emit(df, args, f"{net.name}_{args.phase}_b{args.batch}_layers")
    return 0


def _ops(args) -> int:
    from workloads.table import ops_table

    net = _network(args)
    df = ops_table(net, phase=args.phase, batch=args.batch, optimizer=args.optimizer)
    if not args.quiet:
        print(_summary_line(net, args))
    emit(df, args, f"{net.name}_{args.phase}_b{args.batch}_ops")
    return 0


def _add_network_options(p) -> None:
    p.add_argument("name", nargs="?", default=None, metavar="NAME", help="zoo network (see `nvmsim workloads`)")
    p.add_argument("--onnx", type=Path, default=None, metavar="FILE", help="import this ONNX model instead")
    p.add_argument("--dataset", default=None, help="imagenet, cifar10, cifar100, mnist or text (default: the net's)")
    p.add_argument("--dtype", default="fp32", help="fp32 (default), fp16, bf16 or int8")
    p.add_argument("--seq-len", type=positive_int, default=None, help="tokens per sample (bert_base, gpt2)")
    p.add_argument("--batch", type=positive_int, default=1, help="samples per step (default 1)")
    p.add_argument("--phase", choices=("inference", "training"), default="inference")
    p.add_argument("--optimizer", choices=("sgd", "momentum"), default="sgd", help="training weight update")
    add_output_options(p)


def register(subparsers) -> None:
    p = subparsers.add_parser("workloads", help="the network zoo: list networks, per-layer tables, lowered ops")
    add_output_options(p, "workloads")
    p.set_defaults(func=_list)
    sub = p.add_subparsers(dest="workloads_verb", metavar="VERB")
    ls = sub.add_parser("list", help="list the zoo: name, default dataset, weights, MACs, layers")
    add_output_options(ls, "workloads")
    ls.set_defaults(func=_list)
    show = sub.add_parser("show", help="per-layer shapes, weights, MACs and bytes of one network")
    _add_network_options(show)
    show.set_defaults(func=_show)
    ops = sub.add_parser("ops", help="the GEMM / element-wise ops one step lowers to, in launch order")
    _add_network_options(ops)
    ops.set_defaults(func=_ops)
