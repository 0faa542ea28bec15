"""models.design_cache: a design search read back from disk is the search's own result, to the last bit, and is
never read for another search (other arguments, another calibration, an edited model)."""

import json

import pandas as pd
import pytest

from models import design_cache, tables
from models.circuit.calibration import DEFAULT
from models.tables import design_point, tech_table


@pytest.fixture
def store(tmp_path, monkeypatch):
    """The store on, in a fresh directory; the in-process memo cleared before and after."""
    monkeypatch.setenv("NVMSIM_DESIGN_CACHE", "1")
    monkeypatch.setenv("NVMSIM_CACHE_DIR", str(tmp_path / "cache"))
    tables._candidates_cached.cache_clear()
    yield tmp_path / "cache" / "designs"
    tables._candidates_cached.cache_clear()


@pytest.fixture
def searches(monkeypatch):
    """Counts the circuit model's searches (``models.tables.candidates``)."""
    calls = []
    real = tables.candidates

    def counted(*a, **kw):
        calls.append(a[:3])
        return real(*a, **kw)

    monkeypatch.setattr(tables, "candidates", counted)
    return calls


# 16 nm (fitted calibration, numpy search) and 28 nm (NVSim's stock model), every target
CASES = [dict(cells=["sram", "stt", "sot"], capacities_MB=[1, 3], node_nm=16, targets="all"),
         dict(cells=["sram28", "stt28"], capacities_MB=[0.5], node_nm=28, mode="ram", line_B=64, targets="all")]


@pytest.mark.parametrize("case", CASES, ids=["16nm-cache", "28nm-ram"])
def test_read_back_equals_the_search(store, searches, case, monkeypatch):
    monkeypatch.setenv("NVMSIM_DESIGN_CACHE", "0")
    searched = tech_table(**case)
    n = len(searches)
    assert n == len(case["cells"]) * len(case["capacities_MB"]) and not store.exists()

    monkeypatch.setenv("NVMSIM_DESIGN_CACHE", "1")
    tables._candidates_cached.cache_clear()
    first = tech_table(**case)  # searches again and keeps each result
    assert len(searches) == 2 * n and len(list(store.glob("*.json"))) == n

    tables._candidates_cached.cache_clear()
    again = tech_table(**case)  # a new process, as far as the memo knows: read from disk
    assert len(searches) == 2 * n
    pd.testing.assert_frame_equal(first, searched, check_exact=True)
    pd.testing.assert_frame_equal(again, searched, check_exact=True)


def test_other_arguments_and_calibration_are_other_entries(store, searches):
    design_point("stt", 3)
    tables._candidates_cached.cache_clear()
    design_point("stt", 3, temperature_K=300)
    design_point("stt", 3, calibration=DEFAULT.__class__(**{**DEFAULT.__dict__, "area_per_width_F": 14.0}))
    design_point("stt", 3, htree_wires="repeated")
    design_point("sot", 3)
    assert len(searches) == 5 and len(list(store.glob("*.json"))) == 5


def test_an_edited_model_is_searched_again(store, searches, monkeypatch):
    design_point("sram", 2)
    tables._candidates_cached.cache_clear()
    monkeypatch.setattr(design_cache, "models_revision", lambda: "edited")
    design_point("sram", 2)
    assert len(searches) == 2


def test_revision_follows_the_sources(tmp_path, monkeypatch):
    pkg = tmp_path / "models"
    (pkg / "circuit").mkdir(parents=True)
    (pkg / "circuit" / "array.py").write_text("x = 1\n")
    monkeypatch.setattr(design_cache, "_MODELS", pkg)
    design_cache.models_revision.cache_clear()
    try:
        before = design_cache.models_revision()
        (pkg / "circuit" / "array.py").write_text("x = 2\n")
        design_cache.models_revision.cache_clear()
        assert design_cache.models_revision() != before
    finally:
        design_cache.models_revision.cache_clear()


@pytest.mark.parametrize("damage", ["truncated", "not json", "other key", "wrong fields"])
def test_an_unreadable_entry_is_searched_again_and_rewritten(store, searches, damage):
    want = design_point("sot", 4)
    (entry,) = store.glob("*.json")
    text = entry.read_text()
    data = json.loads(text)
    entry.write_text({"truncated": text[: len(text) // 2], "not json": "\0\1",
                      "other key": json.dumps({**data, "key": data["key"] + "x"}),
                      "wrong fields": json.dumps({**data, "designs": [{"nope": 1}]})}[damage])
    tables._candidates_cached.cache_clear()
    assert design_point("sot", 4) == want
    assert len(searches) == 2
    assert json.loads(entry.read_text()) == data  # rewritten whole


def test_off_and_unwritable_keep_nothing_and_still_answer(store, searches, monkeypatch, tmp_path):
    monkeypatch.setenv("NVMSIM_DESIGN_CACHE", "0")
    want = design_point("stt", 8)
    assert not store.exists()
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("NVMSIM_DESIGN_CACHE", "1")
    monkeypatch.setenv("NVMSIM_CACHE_DIR", str(blocked))  # a file where the directory should be
    tables._candidates_cached.cache_clear()
    assert design_point("stt", 8) == want and len(searches) == 2


def test_default_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("NVMSIM_CACHE_DIR", raising=False)
    monkeypatch.setenv("NVMSIM_DESIGN_CACHE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert design_cache.cache_dir() == tmp_path / "nvmsim" / "designs"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert design_cache.cache_dir() == tmp_path / "home" / ".cache" / "nvmsim" / "designs"

