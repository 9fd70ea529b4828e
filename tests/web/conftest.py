"""The proof-of-reserves page against a local chain in the demo's state, seen through Chromium.

One chain per test session: ``ssi.ops.demo`` plays its story (deploy MAG7.ssi, mint, rebalance,
fee, redeem, reports), the page's server runs in a thread of this process on a free port, and
Playwright drives the system's Chromium (``/usr/bin/chromium``, installed by ``make setup``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterator
from unittest import mock

import ape
import pytest
from ape import networks
from click.testing import CliRunner

from ssi.ops import demo
from ssi.ops.session import Session
from ssi.web.server import ServeOptions, ServerThread, build_site
from ssi.web.views import Site

CHROMIUM = os.environ.get("SSI_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_session(project, chain) -> Session:
    """The demo's story on the test chain; returns the session it ran in (its deployment in memory)."""
    seen: list[Session] = []
    connect = Session.connect.__func__  # type: ignore[attr-defined]

    def recording(cls: type[Session], *args: Any, **kwargs: Any) -> Session:
        s = connect(cls, *args, **kwargs)
        seen.append(s)
        return s

    with mock.patch.object(demo.Session, "connect", classmethod(recording)):
        demo.run(project, chain, ape.accounts, networks.active_provider, echo=lambda _: None)
    return seen[0]


@pytest.fixture(scope="session")
def backtests(tmp_path_factory) -> Path:
    """Outputs of ``ssi backtest`` for MAG7 (a short window, to keep the run quick)."""
    from ssi.cli import main

    root = tmp_path_factory.mktemp("backtests")
    result = CliRunner().invoke(main, ["backtest", "--index", "MAG7", "--start", "2024-06-01",
                                       "--out", str(root / "MAG7"), "--quiet", "--no-chart"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="session")
def site(demo_session, backtests, tmp_path_factory) -> Site:
    db = tmp_path_factory.mktemp("web") / "events.db"
    import datetime as dt

    return build_site(demo_session, ServeOptions(db_url=f"sqlite:///{db}", prices_date=dt.date(2025, 2, 28),
                                                 backtests=backtests))


@pytest.fixture(scope="session")
def server(site) -> Iterator[ServerThread]:
    with ServerThread(site) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file() and shutil.which("chromium") is None:
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's chromium "
                    "(`make setup` installs it as root; else `apt-get install -y chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium"),
                              args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    p = context.new_page()
    yield p
    context.close()
