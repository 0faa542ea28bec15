"""Exporters of nvmsim's generated traces into other tools' input formats (Accel-Sim SASS traces)."""

from traces.exporters.accelsim import write_accelsim

__all__ = ["write_accelsim"]
