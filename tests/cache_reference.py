"""Pure-Python reference caches: the slow, obviously-correct twins of the lookup kernel (the same documented
semantics, written as lists), shared by the cache tests through the fixtures in ``conftest.py``.

Each set is a list of ``[line, valid_sectors, dirty_sectors]``, youngest first; the victim is the last entry.
The policies differ only in whether an access to a present line moves it to the front.  ``naive=True`` is
GPGPU-Sim's naive write-allocate (``W``): a write miss is forwarded, then its line (sector) is fetched, clean.
"""

from __future__ import annotations

STAT_KEYS = ("read_hits", "read_misses", "write_hits", "write_misses", "evictions", "writebacks")


class RefCache:
    """Textbook set-associative cache; ``PROMOTE`` says whether a hit (or a sector fill) makes a line youngest."""

    PROMOTE = True
    name = "lru"

    def __init__(self, sets, ways, line_B=128, write_back=True, write_allocate=True, sector_B=None, naive=False):
        self.sets, self.ways, self.line_B = sets, ways, line_B
        self.sector_B = sector_B or line_B
        self.wb, self.wa, self.naive = write_back, write_allocate, naive
        self.data = [[] for _ in range(sets)]  # per set: [line, valid_set, dirty_set], youngest first
        self.c = dict.fromkeys(STAT_KEYS, 0)
        self.sector_misses = 0  # misses on a missing sector of a present line (not a kernel counter)
        self.stream = []

    def _touch(self, s, ent):
        if self.PROMOTE:
            s.remove(ent)
            s.insert(0, ent)

    def access(self, a, w):
        line = a // self.line_B
        sect = (a % self.line_B) // self.sector_B
        sectored = self.sector_B < self.line_B
        s = self.data[line % self.sets]
        req = line * self.line_B + sect * self.sector_B
        ent = next((e for e in s if e[0] == line), None)
        kind = "write" if w else "read"
        if ent is not None and sect in ent[1]:
            self.c[f"{kind}_hits"] += 1
            if w:
                if self.wb:
                    ent[2].add(sect)
                else:
                    self.stream.append((req, True))
            self._touch(s, ent)
            return
        self.c[f"{kind}_misses"] += 1
        if ent is not None:  # sector miss in a present line
            self.sector_misses += 1
            if w and not self.wa:
                self.stream.append((req, True))
                return
            ent[1].add(sect)
            if w and self.naive:  # forwarded, then fetched: the sector stays clean
                self.stream += [(req, True), (req, False)]
            elif w:
                if self.wb:
                    ent[2].add(sect)
                else:
                    self.stream.append((req, True))
            else:
                self.stream.append((req, False))
            self._touch(s, ent)
            return
        if w and not self.wa:
            self.stream.append((req, True))
            return
        if len(s) == self.ways:
            victim = s.pop()
            self.c["evictions"] += 1
            for d in sorted(victim[2]):
                self.c["writebacks"] += 1
                self.stream.append((victim[0] * self.line_B + (d * self.sector_B if sectored else 0), True))
        ent = [line, {sect}, set()]
        s.insert(0, ent)
        if w and self.naive:  # after the victim's write-backs: the write, then the fill; the line stays clean
            self.stream += [(req, True), (req, False)]
        elif w:
            if self.wb:
                ent[2].add(sect)
            else:
                self.stream.append((req, True))
            if not sectored:
                self.stream.append((req, False))
        else:
            self.stream.append((req, False))

    def run(self, addr, is_write):
        """Feed a whole trace (arrays or lists); returns self."""
        for a, w in zip(list(map(int, addr)), list(map(bool, is_write)), strict=True):
            self.access(a, w)
        return self

    def contents(self):
        """Lines per set, youngest first (as ``Cache.contents``)."""
        return [[e[0] for e in s] for s in self.data]


class RefLRU(RefCache):
    """LRU: any access to a present line (read or write, hit or sector fill) makes it the most recent."""


class RefFIFO(RefCache):
    """FIFO: lines leave in allocation order; accesses to present lines change nothing (GPGPU-Sim's ``F``)."""

    PROMOTE = False
    name = "fifo"


REFERENCES = {cls.name: cls for cls in (RefLRU, RefFIFO)}


def counts(stats) -> dict[str, int]:
    """The reference's counters from a ``CacheStats``."""
    return {k: getattr(stats, k) for k in STAT_KEYS}
