"""Every bad input of the catalogue (``tests/bad_inputs.py``) is refused on one line naming the field and the reason:
exit status 2 from the CLI (before any long work), a :class:`models.errors.NvmsimError` from the API; numpy
scalars are accepted wherever a number is."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import NvmsimError
from simulator.cli import main
from tests.bad_inputs import API, API_OK, CLI, expand, write_files

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_inputs")
    write_files(tmp)
    return tmp


@pytest.mark.parametrize("argv, needle", CLI, ids=[" ".join(a) for a, _ in CLI])
def test_cli_refuses_on_one_line(argv, needle, files, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # relative paths in the catalogue resolve from the repository root
    assert main([expand(a, files) for a in argv]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("nvmsim: error:") and "\n" not in err, err
    assert expand(needle, files) in err


@pytest.mark.parametrize("call, needle", [c[1:] for c in API], ids=[c[0] for c in API])
def test_api_refuses_naming_the_field(call, needle):
    with pytest.raises(NvmsimError) as exc:
        call()
    assert needle in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize("call", [c[1] for c in API_OK], ids=[c[0] for c in API_OK])
def test_api_takes_numpy_scalars(call):
    call()


def test_catalogue_size():
    """The README's note counts these; a case removed should be a decision, not an accident."""
    assert len(CLI) >= 580 and len(API) >= 90
