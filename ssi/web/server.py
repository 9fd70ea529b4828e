"""Putting the page together and serving it with uvicorn.

``build_site`` connects the pieces for a session (the deployments file of the network Ape is
connected to), ``serve`` runs uvicorn in the foreground (``ape run serve``), and ``ServerThread``
runs it in a background thread of the current process (the browser tests).
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from ssi.ops.session import Session
from ssi.web.app import create_app
from ssi.web.db import Store
from ssi.web.indexer import ApeLogSource, Indexer, scope_of
from ssi.web.prices import BundledPriceSource, LivePriceSource, PriceSource
from ssi.web.views import Site

DEFAULT_DB = "sqlite:///ssi-web.db"


@dataclass(frozen=True)
class ServeOptions:
    db_url: str = DEFAULT_DB
    prices: str = "bundled"  # or "live"
    prices_date: dt.date | None = None  # bundled closes of this day (default: the chain's date)
    backtests: Path | None = None
    confirmations: int = 0
    from_block: int | None = None  # default: the deployment's block


def price_source(opts: ServeOptions) -> PriceSource:
    if opts.prices == "live":
        return LivePriceSource()
    if opts.prices != "bundled":
        raise ValueError(f"prices must be bundled or live, not {opts.prices!r}")
    return BundledPriceSource(opts.prices_date)


def build_site(session: Session, opts: ServeOptions) -> Site:
    book = session.book  # checks the deployments file belongs to this chain
    dep = session.deployment
    store = Store(opts.db_url)
    scope = scope_of(session.chain_id, session.genesis_hash(), book.protocol["issuer"])
    start = opts.from_block if opts.from_block is not None else book.deploy_block
    indexer = Indexer(store, ApeLogSource(dep, session.chain), scope, start, opts.confirmations)
    return Site(session, store, indexer, price_source(opts), opts.backtests)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(site: Site, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Catch up with the chain, then serve until interrupted."""
    site.refresh()
    uvicorn.run(create_app(site), host=host, port=port, log_level=log_level)


class ServerThread:
    """uvicorn serving ``site`` from a daemon thread, on a free localhost port."""

    def __init__(self, site: Site, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(create_app(site), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="ssi-web", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
