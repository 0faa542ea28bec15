import os

import pytest

os.environ.setdefault("NVMSIM_NO_PROGRESS", "1")


@pytest.fixture
def ref_cache():
    """``ref_cache(policy, sets, ways, **kw)``: a pure-Python reference cache (tests/cache_reference.py) of that
    replacement policy, so that tests compare against one model without importing each other."""
    from tests.cache_reference import REFERENCES

    def make(policy, sets, ways, **kw):
        return REFERENCES[policy](sets, ways, **kw)

    return make
