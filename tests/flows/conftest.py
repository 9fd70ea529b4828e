"""Fixtures of the flows tests: a deployments directory of their own, and a deployed MAG7.ssi."""

from __future__ import annotations

import json
import os

import pytest

from tests.flows.desk import run


@pytest.fixture(scope="module")
def book_dir(tmp_path_factory):
    """SSI_DEPLOYMENTS_DIR pointed at a temporary directory for the module."""
    path = tmp_path_factory.mktemp("deployments")
    old = os.environ.get("SSI_DEPLOYMENTS_DIR")
    os.environ["SSI_DEPLOYMENTS_DIR"] = str(path)
    yield path
    if old is None:
        del os.environ["SSI_DEPLOYMENTS_DIR"]
    else:
        os.environ["SSI_DEPLOYMENTS_DIR"] = old


@pytest.fixture(scope="module")
def deployed(book_dir, chain):
    """`ape run deploy` on the test's (ephemeral) chain: MAG7.ssi with the default basket."""
    return json.loads(run("deploy", "--json", "--ephemeral").stdout)
