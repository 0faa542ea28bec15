import os

os.environ.setdefault("NVMSIM_NO_PROGRESS", "1")
