"""simulator.startup.import_settled: a command's heavy imports run without collections, their objects end frozen,
and the collector is back as it was (checked in a fresh interpreter: freezing is for the whole process)."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import gc, sys
    sys.path.insert(0, sys.argv[1])
    from simulator.startup import import_settled
    if sys.argv[2] == "off":
        gc.disable()
    runs = []
    gc.callbacks.append(lambda phase, info: phase == "start" and runs.append(info["generation"]))
    frozen = gc.get_freeze_count()
    import_settled("heavy")
    import heavy
    print(len(heavy.KEEP), len(runs), gc.get_freeze_count() - frozen >= len(heavy.KEEP), gc.isenabled())
""")


@pytest.mark.parametrize("collector", ["on", "off"])
def test_imports_without_collections_freezes_and_restores(tmp_path, collector):
    (tmp_path / "heavy.py").write_text("KEEP = [[i] for i in range(200_000)]  # 200 k container objects\n")
    code = SCRIPT.replace("sys.path.insert(0, sys.argv[1])", f"sys.path[:0] = [sys.argv[1], {str(ROOT)!r}]")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), collector], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    kept, collections, frozen, enabled = out.stdout.split()
    assert kept == "200000"
    assert collections == "0"  # 200 k allocations would trigger hundreds of collections with the collector on
    assert frozen == "True"
    assert enabled == ("True" if collector == "on" else "False")


@pytest.mark.parametrize(("verb", "module"), [("studies", "simulator.studies.deepnvm"), ("simulate", "simulator.gpu")])
def test_verbs_settle_their_imports(verb, module):
    """The study verbs (the main job) and simulate import their engine through import_settled, before any work."""
    source = (ROOT / "simulator" / "cli" / f"{verb}.py").read_text()
    assert f'import_settled("{module}")' in source
