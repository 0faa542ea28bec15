"""models.source_digest: the digest that invalidates stored points, stored searches and the warm-up stamp follows
every source file's name and bytes, and nothing else (Numba's cache files beside the kernels)."""

from models.source_digest import source_digest


def _tree(root):
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("x = 1\n")
    (root / "pkg" / "sub" / "b.py").write_text("y = 2\n")
    (root / "pkg" / "chip.toml").write_text("n = 3\n")
    (root / "one.py").write_text("z = 4\n")


def test_digest_follows_names_and_bytes_of_the_sources_only(tmp_path):
    _tree(tmp_path)
    parts, suffixes = ["pkg", "one.py"], (".py", ".toml")
    d = source_digest(tmp_path, parts, suffixes)
    assert len(d) == 64 and d == source_digest(tmp_path, parts, suffixes)
    (tmp_path / "pkg" / "sub" / "kernel.nbi").write_bytes(b"numba cache")  # not a source: no effect
    (tmp_path / "pkg" / "a.pyc").write_bytes(b"bytecode")
    assert source_digest(tmp_path, parts, suffixes) == d
    (tmp_path / "pkg" / "sub" / "b.py").write_text("y = 3\n")  # an edit
    edited = source_digest(tmp_path, parts, suffixes)
    assert edited != d
    (tmp_path / "pkg" / "sub" / "b.py").rename(tmp_path / "pkg" / "sub" / "c.py")  # a rename, same bytes
    assert source_digest(tmp_path, parts, suffixes) not in (d, edited)


def test_suffixes_parts_and_missing_parts(tmp_path):
    _tree(tmp_path)
    with_toml = source_digest(tmp_path, ["pkg"], (".py", ".toml"))
    py_only = source_digest(tmp_path, ["pkg"])
    assert with_toml != py_only
    (tmp_path / "pkg" / "chip.toml").write_text("n = 4\n")
    assert source_digest(tmp_path, ["pkg"]) == py_only  # .toml not asked for
    assert source_digest(tmp_path, ["pkg", "missing"]) == py_only  # a part that is not there adds nothing
    assert source_digest(tmp_path, ["one.py"]) != source_digest(tmp_path, [])
