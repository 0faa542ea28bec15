"""``nvmsim tech``: per-technology tables from the circuit model, iso-area capacities, shipped cells."""

from __future__ import annotations

from pathlib import Path

from models.config import size_MB
from models.errors import ConfigError
from simulator.cli._common import (
    add_output_options,
    emit,
    number,
    output_dir,
    parse_float_list,
    parse_str_list,
    positive_int,
)

SHOWN = ["technology", "capacity_MB", "read_latency_ns", "write_latency_ns", "read_energy_nJ", "write_energy_nJ",
         "leakage_mW", "area_mm2", "access_type"]


def register(subparsers) -> None:
    grp = subparsers.add_parser("tech", help="circuit-model tables of SRAM / STT-MRAM / SOT-MRAM arrays")
    sub = grp.add_subparsers(dest="tech_command", metavar="VERB")
    grp.set_defaults(func=lambda args: (grp.print_help(), 2)[1])

    p = sub.add_parser("table", help="latency, energy, leakage, area per technology and capacity")
    _common(p)
    p.add_argument("--capacities", default="1,2,3,4,8,16,32",
                   help="capacities in MB, comma-separated (a bare number is MB; 512KB, 1GB also work)")
    p.add_argument("--targets", "--target", dest="targets", default="edap",
                   help="comma-separated: edap (Algorithm 1) and / or NVSim's optimisation targets read_latency, "
                        "write_latency, read_energy, write_energy, read_edp, write_edp, leakage, area; all = every one")
    p.add_argument("--access-types", default="normal,fast,sequential", help="cache access types searched")
    add_output_options(p, default_name="tech_table")
    p.set_defaults(func=_table)

    p = sub.add_parser("iso-area", help="capacity of each technology in the area of a reference cache")
    _common(p, default_cells="stt,sot")
    p.add_argument("--reference", default="sram:3MB", help="reference as CELL:CAPACITY (e.g. sram:3MB, sram28:512KB)")
    p.add_argument("--area", type=number(positive=True, unit="mm^2"), default=None,
                   help="an area budget in mm^2 instead of a reference")
    p.add_argument("--target", default="edap", help="edap (Algorithm 1) or one optimisation target, e.g. read_latency")
    add_output_options(p, default_name="iso_area")
    p.set_defaults(func=_iso_area)

    p = sub.add_parser("nvsim-inputs", help="write an NVSim .cell and .cfg for one cell and capacity (to run NVSim)")
    p.add_argument("--cell", required=True, help="a shipped cell name or a cell file")
    p.add_argument("--capacity", required=True,
                   help="power-of-two capacity with its unit, such as 512KB or 128MB (NVSim's rule)")
    p.add_argument("--node", type=positive_int, default=28, help="technology node in nm")
    p.add_argument("--mode", default="ram", choices=("ram", "cache"))
    p.add_argument("--target", default="read_latency", help="NVSim optimisation target, in nvmsim's names")
    p.add_argument("--access-type", default="sequential", choices=("normal", "fast", "sequential"))
    p.add_argument("--assoc", type=positive_int, default=16)
    p.add_argument("--line", type=positive_int, default=128, help="line (cache) or word (ram) size in bytes")
    p.add_argument("--temperature", type=positive_int, default=350, help="temperature in K")
    p.add_argument("--roadmap", default="hp", choices=("hp", "lstp", "lop"))
    p.add_argument("--out", type=output_dir, required=True, help="directory for the two files")
    p.set_defaults(func=_nvsim_inputs)

    p = sub.add_parser("nvsim-compare", help="nvmsim's design beside NVSim reports of the same specification")
    p.add_argument("reports", nargs="+", type=Path, help="NVSim's printed output, one file per run")
    p.add_argument("--cell", required=True, help="the cell NVSim was run with (shipped name or file)")
    p.add_argument("--node", type=number(positive=True, unit="nm"), required=True,
                   help="the node NVSim was run at, in nm")
    p.add_argument("--temperature", type=number(positive=True, unit="K"), default=350.0, help="temperature in K")
    p.add_argument("--roadmap", default="hp", choices=("hp", "lstp"))
    p.add_argument("--allow-cell-mismatch", action="store_true",
                   help="compare even where --cell contradicts the cell the report echoes (warned on stderr, listed "
                        "in a cell_mismatch column); default: refuse")
    add_output_options(p, default_name="nvsim_compare")
    p.set_defaults(func=_nvsim_compare)

    p = sub.add_parser("cells", help="list the shipped bitcells")
    add_output_options(p, default_name="cells")
    p.set_defaults(func=_cells)


def _common(p, default_cells: str = "sram,stt,sot") -> None:
    p.add_argument("--cells", default=default_cells, help="shipped cell names or cell files, comma-separated")
    p.add_argument("--node", type=number(positive=True, unit="nm"), default=16,
                   help="technology node in nm (16, 22, 28, 32, 45)")
    p.add_argument("--mode", default="cache", choices=("cache", "ram"), help="cache (data + tag) or ram")
    p.add_argument("--assoc", type=positive_int, default=16)
    p.add_argument("--line", type=positive_int, default=128, help="line (cache) or word (ram) size in bytes")
    p.add_argument("--temperature", type=number(positive=True, unit="K"), default=350.0, help="temperature in K")
    p.add_argument("--roadmap", default="hp", choices=("hp", "lstp"), help="peripheral transistors")
    p.add_argument("--write-convention", default="nvsim", choices=("nvsim", "physical"),
                   help="nvsim: a Normal/Fast cache write pays 1/assoc of the cell energy, as the papers' NVSim runs")
    p.add_argument("--htree-wires", default="unrepeated", choices=("unrepeated", "repeated"),
                   help="H-tree global wires: unrepeated (NVSim default, the papers) or optimally repeated")
    p.add_argument("--buffer-design", default="auto", choices=("auto", "balanced", "latency"),
                   help="driver sizing: latency = NVSim's latency-first drivers (its shipped configs, the scratchpad "
                        "paper at 28 nm), balanced = the fitted 16 nm DeepNVM++ model, auto = latency at planar "
                        "nodes and balanced at 16 nm")


def parse_capacity_MB(text: str, field: str = "capacity", bare_unit: str | None = "MB") -> float:
    """``"3MB"``, ``"512KB"`` → MB; a bare number is ``bare_unit`` (MB), or refused with ``bare_unit=None``."""
    return size_MB(text, field, bare_unit=bare_unit)


def _table(args) -> int:
    import pandas as pd

    from models import load_cell, tech_table
    from simulator.progress import progress

    cells = parse_str_list(args.cells, "--cells")
    caps = parse_float_list(args.capacities, "--capacities", unit="MB", sizes=True)
    names = [load_cell(c).name for c in cells]
    if len(set(names)) != len(names):
        raise ConfigError("--cells", f"technology names must be unique, got {names}")
    kw = dict(node_nm=args.node, assoc=args.assoc, line_B=args.line,
              access_types=tuple(parse_str_list(args.access_types, "--access-types")), targets=args.targets,
              temperature_K=args.temperature, mode=args.mode, roadmap=args.roadmap,
              write_convention=args.write_convention, htree_wires=args.htree_wires, buffer_design=args.buffer_design)
    # one design per (cell, capacity), each searched for every target asked: a bar counts them
    with progress(total=len(cells) * len(caps), desc="tech table", unit="design") as bar:
        frames = []
        for c in cells:
            for cap in caps:
                frames.append(tech_table(cells=[c], capacities_MB=[cap], **kw))
                bar.update(1)
    df = pd.concat(frames, ignore_index=True)
    shown = SHOWN if args.mode == "cache" else SHOWN[:-1]
    emit(df, args, columns=shown[:2] + ["target"] + shown[2:])
    if not getattr(args, "quiet", False):
        print("\norganisations (NVSim's words):")
        for r in df.itertuples():
            where = f" ({r.access_type})" if args.mode == "cache" else ""
            print(f"  {r.technology} {r.capacity_MB:g} MB {r.target}{where}: {r.organization}")
    return 0


def _iso_area(args) -> int:
    import pandas as pd

    from models import area_budget_capacity, design_point, iso_area, load_cell

    cells = parse_str_list(args.cells, "--cells")
    kw = dict(assoc=args.assoc, line_B=args.line, temperature_K=args.temperature, roadmap=args.roadmap,
              write_convention=args.write_convention, htree_wires=args.htree_wires, buffer_design=args.buffer_design,
              targets=args.target)
    if args.area is not None:
        from simulator.progress import progress

        rows = []
        for c in progress(cells, total=len(cells), desc=f"capacity in {args.area:g} mm^2", unit="cell"):
            cap = area_budget_capacity(c, args.area, args.node, args.mode, **kw)
            d = design_point(c, cap, args.node, mode=args.mode, **kw)
            rows.append({"technology": load_cell(c).name, "capacity_MB": cap, "area_budget_mm2": args.area,
                         "area_mm2": d.area_mm2, "read_latency_ns": d.read_latency_ns,
                         "write_latency_ns": d.write_latency_ns, "read_energy_nJ": d.read_energy_nJ,
                         "write_energy_nJ": d.write_energy_nJ, "leakage_mW": d.leakage_mW})
        df = pd.DataFrame(rows)
    else:
        ref, sep, cap = args.reference.partition(":")
        if not sep:
            raise ConfigError("--reference", f"must be CELL:CAPACITY such as sram:3MB, got {args.reference!r}")
        ref_MB = parse_capacity_MB(cap, "--reference")
        from simulator.progress import progress

        frames = []  # one cell at a time (each a scan of the circuit model: seconds), counted by a bar
        for i, c in enumerate(progress(cells, total=len(cells), desc=f"iso-area with {ref}", unit="cell")):
            part = iso_area(reference=ref, reference_MB=ref_MB, cells=[c], node_nm=args.node, mode=args.mode, **kw)
            frames.append(part if i == 0 else part.iloc[1:])  # the reference's row once
        df = pd.concat(frames, ignore_index=True)
    emit(df, args, columns=[c for c in df.columns if c != "organization"])
    return 0


def _cells(args) -> int:
    import pandas as pd

    from models.cells import load_cell, shipped_cells

    rows = []
    for name in shipped_cells():
        c = load_cell(name)
        rows.append({"name": c.name, "mem_type": c.mem_type, "node_nm": c.node_nm, "area_F2": round(c.area_F2, 1),
                     "area_um2": round(c.area_um2, 4), "read_ns": c.read_latency_ns, "read_pJ": c.read_energy_pJ,
                     "write_ns": c.write_latency_ns, "write_pJ": c.write_energy_pJ, "source": c.source})
    emit(pd.DataFrame(rows), args)
    return 0


def _nvsim_inputs(args) -> int:
    from models.cells import load_cell
    from models.nvsim_io import nvsim_cell_text, nvsim_config_text
    from simulator.output import atomic_write

    cell = load_cell(args.cell)
    cap_KB = parse_capacity_MB(args.capacity, "--capacity", bare_unit=None) * 1024
    if not cap_KB.is_integer():
        raise ConfigError("--capacity", f"must be a whole number of KB, got {args.capacity!r}")
    cell_path = args.out / f"{cell.name}.cell"
    cfg_text = nvsim_config_text(cell_path.name, int(cap_KB), args.node, mode=args.mode, target=args.target,
                                 access_type=args.access_type, assoc=args.assoc, line_B=args.line,
                                 temperature_K=args.temperature, roadmap=args.roadmap)
    cfg_path = args.out / f"{cell.name}_{int(cap_KB)}KB_{args.mode}.cfg"
    for path, text in ((cell_path, nvsim_cell_text(cell)), (cfg_path, cfg_text)):
        atomic_write(path, lambda p, text=text: p.write_text(text))
        print(path)
    print(f"run: cd {args.out} && nvsim {cfg_path.name} > {cfg_path.stem}.out")
    return 0


def _nvsim_compare(args) -> int:
    import pandas as pd

    from models import compare_nvsim

    mismatch = "allow" if args.allow_cell_mismatch else "error"
    frames = [compare_nvsim(r, args.cell, args.node, temperature_K=args.temperature, roadmap=args.roadmap,
                            cell_mismatch=mismatch).assign(report=str(r)) for r in args.reports]
    df = pd.concat(frames, ignore_index=True)
    if "cell_mismatch" in df.columns:
        import sys

        for report, text in df.dropna(subset=["cell_mismatch"]).groupby("report")["cell_mismatch"].first().items():
            print(f"nvmsim: WARNING: {report}: --cell {args.cell} is not the cell NVSim ran with ({text}); "
                  "the ratios compare two different cells", file=sys.stderr)
    emit(df, args, columns=["source", "technology", "capacity_MB", "mode", "read_latency_ns", "write_latency_ns",
                            "read_energy_nJ", "write_energy_nJ", "leakage_mW", "area_mm2"])
    return 0
