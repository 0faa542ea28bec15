"""nvmsim simulator: Numba caches, the SimPy GPU memory-hierarchy engine, the systolic accelerator, studies."""
