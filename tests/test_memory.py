"""simulator.memory: glibc's thresholds are set once per process, and not at all when turned off."""

import platform

import pytest

from simulator import memory


def test_thresholds_set_once_or_not_when_turned_off(monkeypatch):
    monkeypatch.setattr(memory, "_done", False)
    monkeypatch.setenv("NVMSIM_KEEP_FREED", "0")
    assert memory.keep_freed_memory() is False and memory._done is False
    monkeypatch.delenv("NVMSIM_KEEP_FREED")
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert memory.keep_freed_memory() is True and memory._done is True
    monkeypatch.setattr(memory.ctypes, "CDLL", lambda *a: pytest.fail("loaded libc again"))
    assert memory.keep_freed_memory() is True  # once per process
