"""nvmsim models: bitcells, the circuit-level array model, energy, and MTJ physics."""
