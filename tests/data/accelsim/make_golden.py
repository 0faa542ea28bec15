"""Regenerate ``addrmap_golden.csv.gz``: GPGPU-Sim's own compiled address decoding and L2 set-index functions
(``addrdec_tlx``, ``partition_address``, ``l2_cache_config::set_index``) evaluated on a fixed address list.

Usage (see README.md in this folder for the build of ``addr_golden``)::

    python tests/data/accelsim/make_golden.py /path/to/addr_golden

Only the standard library: the address list is fixed by ``random.Random(2024)``, so a rerun with the same
GPGPU-Sim build writes the same file byte for byte (gzip mtime 0).
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import subprocess
import sys
from pathlib import Path

MAPPING = "dramid@8;00000000.00000000.00000000.00000000.0000RRRR.RRRRRRRR.RBBBCCCC.BCCSSSSS"
TAIL = ",A:256:64,16:0,32"
#: name -> (n_mem, n_sub, -gpgpu_memory_partition_indexing, -gpgpu_cache:dl2).  Indexing: 0 consecutive,
#: 1 bitwise XOR, 2 IPOLY, 4 RANDOM (its channel and sub-partition come from glibc rand(): not deterministic
#: per address, so only the set index of those configs is compared).
CONFIGS = {
    "titanx_12x2_random_P64": (12, 2, 4, "S:64:128:16,L:B:m:L:P" + TAIL),   # SM6_TITANX
    "gtx1080_11x2_linear_L64": (11, 2, 0, "N:64:128:16,L:B:m:W:L,A:1024:1024,4:0,32"),  # SM6_GTX1080
    "12x2_linear_P32": (12, 2, 0, "S:32:128:16,L:B:m:L:P" + TAIL),
    "12x2_ipoly_P16": (12, 2, 2, "S:16:128:16,L:B:m:L:P" + TAIL),
    "11x2_ipoly_P64": (11, 2, 2, "S:64:128:16,L:B:m:L:P" + TAIL),
    "16x2_xor_X64": (16, 2, 1, "S:64:128:16,L:B:m:L:X" + TAIL),
    "16x2_ipoly_P64": (16, 2, 2, "S:64:128:16,L:B:m:L:P" + TAIL),
    "32x2_linear_L128": (32, 2, 0, "S:128:128:16,L:B:m:L:L" + TAIL),
    "32x2_ipoly_P32": (32, 2, 2, "S:32:128:16,L:B:m:L:P" + TAIL),
    "8x4_random_H32": (8, 4, 4, "S:32:128:16,L:B:m:L:H" + TAIL),
    "8x4_linear_H64": (8, 4, 0, "S:64:128:16,L:B:m:L:H" + TAIL),
    "4x4_xor_X64": (4, 4, 1, "S:64:128:16,L:B:m:L:X" + TAIL),
    "16x1_ipoly_P64": (16, 1, 2, "S:64:128:16,L:B:m:L:P" + TAIL),
    "12x1_linear_L64": (12, 1, 0, "S:64:128:16,L:B:m:L:L" + TAIL),
}
COLUMNS = ("config", "addr", "chip", "sub_partition", "partition_address", "set_dl2", "set_L", "set_X", "set_P",
           "set_H")


def addresses() -> list[int]:
    """Random 48-bit and 34-bit addresses, a 128 B stream, a 32 B stream and power-of-two strides."""
    rnd = random.Random(2024)
    out = [rnd.getrandbits(48) for _ in range(400)]
    out += [rnd.getrandbits(34) for _ in range(400)]
    out += [0x7F2B2D500000 + 128 * i for i in range(512)]            # streaming lines
    out += [0x10000 + 32 * i for i in range(64)]                      # streaming sectors
    for k in range(7, 33):                                            # 16 steps of each power-of-two stride
        out += [0x7F0000000000 + (j << k) for j in range(16)]
    return out


def run(golden: str, cfg: tuple, addrs: list[int]) -> list[list[str]]:
    n_mem, n_sub, indexing, dl2 = cfg
    res = subprocess.run([golden, str(n_mem), str(n_sub), str(indexing), MAPPING, dl2],
                         input="".join(f"{a:x}\n" for a in addrs), capture_output=True, text=True, check=True)
    rows = [ln.split() for ln in res.stdout.splitlines()]
    rows = [r for r in rows if len(r) == 13]  # the tool also prints its masks
    if len(rows) != len(addrs):
        raise SystemExit(f"{cfg}: {len(rows)} rows for {len(addrs)} addresses")
    return rows


def main(golden: str) -> None:
    addrs = addresses()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for name, cfg in CONFIGS.items():
        for r in run(golden, cfg, addrs):
            # tool columns: addr chip sub_partition bk row col burst partition_address set(dl2) setL setX setP setH
            w.writerow([name, r[0], r[1], r[2], r[7], r[8], *("" if x == "-" else x for x in r[9:13])])
    out = Path(__file__).with_name("addrmap_golden.csv.gz")
    with open(out, "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
        gz.write(buf.getvalue().encode())
    print(f"{out}: {len(CONFIGS)} configs x {len(addrs)} addresses")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "./addr_golden")
