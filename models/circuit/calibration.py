"""Calibration constants of the array model, each with what it stands for and where its value comes from.

These are the knobs a physical model of this size needs and that the papers do not print (layout
densities, sizing styles).  Values are chosen once, for all technologies and nodes together, so that the
16 nm SRAM / STT / SOT caches land near DeepNVM++ Table II and the 28 nm arrays near the scratchpad
paper's Table II; ``tests/test_tech_table.py`` checks the outcome against those tables.  They are not
per-technology fudge factors: the same constants serve every cell.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    #: area of peripheral transistors per unit width, in F (contacted poly pitch ~ 4-5 F plus diffusion
    #: spacing); CACTI/NVSim lay gates out at a similar density.
    area_per_width_F: float = 8.0
    #: fixed routing/well overhead of a row-decoder strip and of a column-periphery strip, in F.
    strip_overhead_F: float = 40.0
    #: precharge + equaliser + column-mux pass devices per column (NMOS width, F): NVSim 2 x 6 F + 1.5 F
    #: precharge, 9 F pass gate.
    column_width_F: float = 22.5
    #: latch sense amplifier, total device width (F): CACTI's 7.5 F PMOS, 3.75 F NMOS, 12.5 F isolation, 5 F enable.
    sa_width_F: float = 36.0
    #: current-sense I-V converter area per sense amplifier (F^2): NVSim's value (50 000 F^2).
    iv_converter_area_F2: float = 50000.0
    #: I-V converter energy per read (J) and leakage (W) at 22 nm: NVSim's HSPICE numbers (0.15 pJ, 150 nW).
    iv_converter_energy_J: float = 0.15e-12
    iv_converter_leak_W: float = 150e-9
    #: predecoder block area per mat (F^2): NVSim's predecoders are a few 3:8 decoders and drivers.
    predecoder_area_F2: float = 2.0e5
    #: stage effort of wordline and write drivers: NVSim's "balanced" buffer style sizes for ~2x the
    #: latency-optimal stage effort of 4, trading a little delay for driver area and leakage.
    wordline_stage_effort: float = 8.0
    #: fraction of the H-tree's routed bits that toggle per access.  NVSim assumes every bit toggles (1.0).
    htree_activity: float = 1.0
    #: SRAM read: bitlines precharged to Vdd swing by this fraction of Vdd before the sense amp fires and
    #: are restored afterwards (NVSim charges C (Vdd/2)^2 per column, i.e. an effective 0.25).
    sram_read_swing_frac: float = 0.25
    #: tag comparator: XOR tree + match line, in FO4 delays (CACTI ~ 6-8 FO4 for 30-40 bit tags).
    comparator_fo4: float = 8.0
    #: physical address width for the tag (NVSim: 48 bits) and status bits (valid + dirty).
    address_bits: int = 48
    status_bits: int = 2


DEFAULT = Calibration()
