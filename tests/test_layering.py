"""Imports go one way (DESIGN.md: "a stage never reaches back into an earlier one").

workloads → traces → simulator, with models beside them: workloads and traces never import the simulator,
workloads never imports traces, jitted kernels never touch pandas, and the physical models in ``models/``
(cells, circuit, energy, MTJ physics, bit errors, numpy training) never import the simulator; only the
study/report modules of ``models`` use ``simulator.output`` / ``simulator.progress`` to write files.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDY_MODULES = {"models/error_study.py", "models/mtj/study.py"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
    return out


def _files(pkg: str):
    return sorted((ROOT / pkg).rglob("*.py"))


def _top(names):
    return {n.split(".")[0] for n in names}


@pytest.mark.parametrize("path", _files("workloads"), ids=lambda p: str(p.relative_to(ROOT)))
def test_workloads_import_no_later_stage(path):
    assert not _top(_imports(path)) & {"traces", "simulator"}


@pytest.mark.parametrize("path", _files("traces"), ids=lambda p: str(p.relative_to(ROOT)))
def test_traces_never_import_the_simulator(path):
    assert "simulator" not in _top(_imports(path))


@pytest.mark.parametrize("path", _files("models"), ids=lambda p: str(p.relative_to(ROOT)))
def test_models_core_never_imports_the_simulator(path):
    rel = str(path.relative_to(ROOT))
    sim = {n for n in _imports(path) if n.split(".")[0] == "simulator"}
    if rel in STUDY_MODULES:
        assert sim <= {"simulator.output", "simulator.progress"}
    else:
        assert not sim, f"{rel} imports {sim}"


KERNEL_FILES = [*_files("simulator/gpu/kernels"), ROOT / "traces/_kernels.py", ROOT / "models/mtj/llgs.py"]


@pytest.mark.parametrize("path", KERNEL_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_kernels_import_only_numeric_libraries(path):
    # llvmlite is Numba's own code generator (simulator/gpu/kernels/simd.py writes vector IR with it); hashlib and
    # pathlib let lookup.py tie its on-disk Numba cache to simd.py's source
    allowed = {"numpy", "numba", "llvmlite", "math", "hashlib", "pathlib", "__future__", "simulator", "traces",
               "models"}
    assert _top(_imports(path)) <= allowed
    assert "pandas" not in _top(_imports(path))


def test_kernel_list_follows_the_package():
    """The glob above went empty once when the kernels moved; a kernel file must be in it."""
    assert ROOT / "simulator/gpu/kernels/lookup.py" in KERNEL_FILES
