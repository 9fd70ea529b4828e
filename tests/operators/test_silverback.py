"""The desk as real `silverback run` processes against the test's anvil: a WLP's mint request settles;
the arbitrage bot, a process of its own, brings a pool above NAV back by minting and selling."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Iterator

from ssi.chain.protocol import STATUS
from ssi.ops.pool import open_pool

from tests.processes import stop_group

ROOT = Path(__file__).resolve().parents[2]
STARTUP = 120  # seconds a bot may take to start (Ape and Silverback load plugins first)


@contextlib.contextmanager
def bot(name: str, desk, chain, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, Path]]:
    """``silverback run <name>`` against the test's node until the block ends; its log file."""
    env = {**os.environ, "APE_FOUNDRY_HOST": chain.provider.uri, "SSI_DEPLOYMENTS_DIR": str(desk.books),
           "SSI_OPERATOR_STATE": str(tmp_path / "journals"), "SILVERBACK_NETWORK_CHOICE": "ethereum:local:foundry"}
    log_file = tmp_path / f"{name}.log"
    silverback = str(Path(sys.executable).parent / "silverback")
    with log_file.open("w") as out:
        proc = subprocess.Popen([silverback, "run", name], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        yield proc, log_file
    finally:
        stop_group(proc, signal.SIGINT, grace=20)


def until(check, procs: list[tuple[subprocess.Popen, Path]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        for proc, log in procs:
            assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "\n".join(log.read_text()[-3000:] for _, log in procs)
        time.sleep(0.5)


def started(log: Path) -> bool:
    return "Startup complete" in log.read_text()


def test_silverback_desk__mint_request__delivered_reported_settled_by_the_bot(desk, chain, tmp_path):
    with bot("desk", desk, chain, tmp_path) as running:
        proc, log_file = running
        until(lambda: started(log_file), [running], STARTUP)
        request = desk.request("mint", 25)
        s = desk.connect()
        until(lambda: STATUS[int(s.deployment.issuer.request_status(request.id))] == "settled", [running], 120)
    text = log_file.read_text()
    assert f"pmm: deliver mint request {request.id}" in text and "Issuer.deliver_mint 0x" in text
    assert "custodian: report MAG7.ssi (current basket)" in text and "ReserveOracle.post_report 0x" in text
    assert f"keeper: settle mint request {request.id}" in text and "Issuer.settle_mint 0x" in text


def test_silverback_arbitrage__started_before_its_pool__finds_it_and_brings_it_back_to_nav(desk, chain, tmp_path):
    """The arbitrage bot starts with no pool on the chain, waits, reads the pool `open_pool` records
    (as `ape run arb pool` does from another process), then mints through the desk bot and sells."""
    from .test_arbitrage import _nav

    s = desk.connect()
    wlp = s.account(None, "wlp")
    with bot("desk", desk, chain, tmp_path) as desk_bot, bot("arbitrage", desk, chain, tmp_path) as arb_bot:
        both = [desk_bot, arb_bot]
        until(lambda: started(desk_bot[1]) and started(arb_bot[1]), both, STARTUP)
        assert "arbitrage: REFUSED waiting for a pool (no pool of MAG7.ssi" in arb_bot[1].read_text()
        seed = desk.request("mint", 120)  # shares to seed the pool with, minted by the desk bot
        until(lambda: STATUS[int(s.deployment.issuer.request_status(seed.id))] == "settled", both, 120)
        pool = open_pool(s, wlp, desk.symbol, 100 * 10**18, Decimal(repr(_nav(desk) * 1.04)))
        cash_before = int(s.cash().balanceOf(wlp.address))
        until(lambda: "arbitrage: round mint_and_sell closed: sold" in arb_bot[1].read_text(), both, 120)
    text = arb_bot[1].read_text()
    assert f"arbitrage: trading MAG7.ssi in the pool at {pool.address}" in text
    assert "arbitrage: request mint of" in text and "Issuer.request_mint 0x" in text
    assert "ConstantProductPool.swap 0x" in text
    sold = list(s.project.ConstantProductPool.at(pool.address).Swap.range(
        pool.block, int(s.chain.blocks.height) + 1, search_topics={"sender": wlp.address}))
    assert len(sold) == 1 and int(s.cash().balanceOf(wlp.address)) > cash_before
