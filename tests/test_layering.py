"""Imports go one way (DESIGN.md: "a stage never reaches back into an earlier one"), with no exemption:

    simulator.cli → simulator.studies → engines (simulator.gpu, simulator.systolic) → simulator.output/progress
                  → traces → workloads → models

A module may import its own layer and the layers below it, never one above; the two engines never import each
other; jitted kernels import only numeric libraries.  Imports inside functions count too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Path prefix (relative to the root) -> layer rank; the longest matching prefix decides.
LAYERS = {
    "models": 0,
    "workloads": 1,
    "traces": 2,
    "simulator/output.py": 3,
    "simulator/progress.py": 3,
    "simulator/memory.py": 3,
    "simulator/helper_process.py": 3,  # starts a helper process (figure worker, kernel warm-up): nothing above
    "simulator/startup.py": 3,  # imports a command's modules out of the collector's way: nothing above
    "simulator/quick_exit.py": 3,  # ends the command and its helpers without the teardown: nothing above
    "simulator/gpu": 4,
    "simulator/systolic": 4,
    "simulator/cache.py": 4,   # users' import paths, aliases of simulator.gpu
    "simulator/chip.py": 4,
    "simulator/studies": 5,
    "simulator/cli": 6,
    "simulator/__init__.py": 7,  # the public facade (``from simulator import sweep_l2``): nothing inside uses it
}
ENGINES = ("simulator/gpu", "simulator/systolic")


def _rank(rel: str) -> int:
    best = max((p for p in LAYERS if rel == p or rel.startswith(p.rstrip("/") + "/") or rel.startswith(p + ".")),
               key=len)
    return LAYERS[best]


def _module_path(name: str) -> str | None:
    """The source path (relative) of a project module name, or None for a third-party one."""
    parts = name.split(".")
    if parts[0] not in ("models", "workloads", "traces", "simulator"):
        return None
    for k in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:k])
        if base.with_suffix(".py").is_file():
            return str(base.with_suffix(".py").relative_to(ROOT))
        if (base / "__init__.py").is_file():
            return str((base / "__init__.py").relative_to(ROOT))
    return None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)  # `from pkg import module`
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path}: relative import (imports are absolute, one way)")
    return out


SOURCES = sorted(p for pkg in ("models", "workloads", "traces", "simulator") for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_its_own_layer_and_below(path):
    rel = str(path.relative_to(ROOT))
    mine = _rank(rel)
    for name in _imports(path):
        target = _module_path(name)
        if target is None:
            continue
        assert _rank(target) <= mine, f"{rel} (layer {mine}) imports {name} (layer {_rank(target)})"
        for a in ENGINES:
            for b in ENGINES:
                if a != b and rel.startswith(a):
                    assert not target.startswith(b), f"engine {rel} imports the other engine's {name}"


def test_every_source_file_has_a_layer():
    for path in SOURCES:
        _rank(str(path.relative_to(ROOT)))  # raises ValueError (max of nothing) for a file outside every layer


KERNEL_FILES = [*sorted((ROOT / "simulator/gpu/kernels").glob("*.py")), ROOT / "traces/_kernels.py",
                ROOT / "traces/exporters/_format.py", ROOT / "models/mtj/llgs.py"]


@pytest.mark.parametrize("path", KERNEL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_kernels_import_only_numeric_libraries(path):
    # llvmlite is Numba's own code generator (simd.py writes vector IR with it); hashlib and pathlib let the lookup
    # kernel tie its on-disk Numba cache to simd.py's source
    allowed = {"numpy", "numba", "llvmlite", "math", "hashlib", "pathlib", "__future__"}
    for name in _imports(path):
        target = _module_path(name)
        if target is not None:
            assert target.startswith(("simulator/gpu/kernels", "traces/_kernels", "models/mtj")), (path, name)
        else:
            assert name.split(".")[0] in allowed, (path, name)
