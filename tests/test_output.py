"""Result files: written atomically, readable by the group and others as the user's umask says (not private)."""

import os
import stat

import pandas as pd

from simulator.output import atomic_write, write_table


def test_tables_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o002)
        path = atomic_write(tmp_path / "r.md", lambda p: p.write_text("x"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o664
    finally:
        os.umask(old)


def test_a_failed_write_leaves_nothing(tmp_path):
    def boom(p):
        p.write_text("half")
        raise RuntimeError("killed")

    try:
        atomic_write(tmp_path / "x.csv", boom)
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []
