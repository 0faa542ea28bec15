"""Demagnetising factors of a uniformly magnetised rectangular prism (Aharoni 1998).

A. Aharoni, "Demagnetizing factors for rectangular ferromagnetic prisms", J. Appl. Phys. 83, 3432 (1998),
Eq. (1), for a prism of sides 2a x 2b x 2c, giving the factor along the side 2c. The other two factors
follow by permuting the sides; the three sum to one (SI convention).
"""

from __future__ import annotations

import math


def _nz(a: float, b: float, c: float) -> float:
    """Aharoni's Eq. (1): demagnetising factor along c of a prism with half-sides a, b, c."""
    abc = a * b * c
    r = math.sqrt(a * a + b * b + c * c)
    rab = math.sqrt(a * a + b * b)
    rbc = math.sqrt(b * b + c * c)
    rac = math.sqrt(a * a + c * c)
    s = (b * b - c * c) / (2 * b * c) * math.log((r - a) / (r + a))
    s += (a * a - c * c) / (2 * a * c) * math.log((r - b) / (r + b))
    s += b / (2 * c) * math.log((rab + a) / (rab - a))
    s += a / (2 * c) * math.log((rab + b) / (rab - b))
    s += c / (2 * a) * math.log((rbc - b) / (rbc + b))
    s += c / (2 * b) * math.log((rac - a) / (rac + a))
    s += 2 * math.atan(a * b / (c * r))
    s += (a**3 + b**3 - 2 * c**3) / (3 * abc)
    s += (a * a + b * b - 2 * c * c) / (3 * abc) * r
    s += c / (a * b) * (rac + rbc)
    s -= (rab**3 + rbc**3 + rac**3) / (3 * abc)
    return s / math.pi


def prism_demag_factors(length_x: float, length_y: float, length_z: float) -> tuple[float, float, float]:
    """(N_x, N_y, N_z) of a rectangular prism with the given side lengths (any common unit)."""
    if min(length_x, length_y, length_z) <= 0:
        raise ValueError("prism sides must be positive")
    a, b, c = 0.5 * length_x, 0.5 * length_y, 0.5 * length_z
    return _nz(b, c, a), _nz(c, a, b), _nz(a, b, c)
