"""`make test` runs on 2 xdist workers with --dist loadgroup: the tests of a group (a module,
or every test of a costly session fixture, tests/conftest.py) must run on one worker, or each
worker builds the group's fixtures again. xdist marks a grouped test by a suffix on its id;
pytest 9.2 dropped that suffix silently (pytest-xdist#1386), so this checks it is there."""

from __future__ import annotations

import pytest

from tests.conftest import _group_of


def test_this_test_runs_with_its_group(request: pytest.FixtureRequest) -> None:
    config = request.config
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        pytest.skip("checks the xdist groups of `make test` (-n 2 --dist loadgroup)")
    assert request.node.nodeid.endswith("@" + _group_of(request.node))
