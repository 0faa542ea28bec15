"""Studies: grids of simulation points, stored, resumable and parallel, turned into tidy DataFrames.

* :mod:`simulator.studies.runner` — the grid runner (per-point store, resume, processes, Dask).
* :mod:`simulator.studies.deepnvm` — the DeepNVM++ studies (L2 sweep, iso-capacity, batch size, iso-area,
  scalability).
* :mod:`simulator.studies.plots` — the figures; :mod:`simulator.studies.deepnvm_report` — the reproduction report.
"""
