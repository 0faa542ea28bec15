"""NVSim-class array model: gates and wires, subarray/mat/bank organisations, cache composition, search.

Modules, in dependency order: ``gates`` (Horowitz stage, logical-effort driver chains, Elmore wires),
``array`` (one memory array evaluated over a whole vector of organisations at once), ``cache``
(data + tag arrays and the Normal/Fast/Sequential access types), ``search`` (optimisation targets and
DeepNVM++ Algorithm 1's EDAP choice).
"""
