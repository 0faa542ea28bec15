"""MTJ switching physics: stochastic LLGS macrospin, 1-D Fokker-Planck, write-error rates, low-cost writes.

Reduced-unit API (exact for any collinear perpendicular macrospin at zero applied field)::

    from models.mtj import wer_fpe, wer_mc
    wer_fpe(55, 2.0, 4.0)          # Delta, I/I_c0, pulse/tau_D -> 0.0140
    wer_mc(55, 2.0, 4.0, n=20000)  # same from 20 000 LLGS trajectories

Device level: :class:`MTJDevice` (Table I of arXiv:2308.02024), :func:`switching_mc`, :func:`switching_fpe`,
:func:`voltage_for_wer`, :func:`energy_vs_wer`; low-cost write cells in :mod:`models.mtj.lowcost`.
"""

from models.mtj.device import MTJDevice, paper_device
from models.mtj.wer import (
    energy_vs_wer,
    extrapolate_ln_wer,
    pulse_for_wer,
    switching_fpe,
    switching_mc,
    voltage_for_wer,
    wer_fpe,
    wer_mc,
)

__all__ = [
    "MTJDevice",
    "paper_device",
    "wer_fpe",
    "wer_mc",
    "switching_fpe",
    "switching_mc",
    "voltage_for_wer",
    "pulse_for_wer",
    "energy_vs_wer",
    "extrapolate_ln_wer",
]
