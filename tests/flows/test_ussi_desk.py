"""`ape run ussi ...` in-process against the test's anvil: the forward-priced story (request, NAV
report after it, operator settles or fills) and the refusals, each one line with nothing sent."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from tests.flows import desk
from tests.flows.desk import run


def out(*args: str):
    return json.loads(run("ussi", *args, "--json").stdout)


def refused(chain, accounts, *args: str) -> str:
    return desk.refused(chain, accounts, "ussi", *args)


@pytest.fixture(scope="module")
def ussi(book_dir, chain, project):
    run("deploy", "--json", "--ephemeral")
    deployed = json.loads(run("ussi", "deploy", "--json").stdout)
    run("ussi", "nav", "--date", "2025-02-25")
    return project.USSI.at(deployed["address"])


def _doc_blocks():
    spec = importlib.util.spec_from_file_location("ussi_doc_blocks", Path(__file__).with_name("doc_blocks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ussi_doc_block__runs_as_written(book_dir, chain, project, accounts, tmp_path):
    """docs/operations.md's USSI block, in order, after a deploy (in a deployments directory of its
    own, so that it does not meet this module's USSI); every command exits 0."""
    os.environ["SSI_DEPLOYMENTS_DIR"] = str(tmp_path)
    try:
        run("deploy", "--json", "--ephemeral")
        commands = _doc_blocks().commands("ussi-walkthrough")
        assert sum(c[2] == "ussi" for c in commands) >= 7
        for args in commands:
            run(args[2], *args[3:])
        st = out("status")
    finally:
        os.environ["SSI_DEPLOYMENTS_DIR"] = str(book_dir)
    assert [(r["id"], r["kind"], r["status"]) for r in st["requests"]] == [(1, "mint with cash", "settled"),
                                                                           (2, "redeem", "settled")]
    assert int(project.USSI.at(st["address"]).balanceOf(accounts[3])) > 0


def next_block(chain) -> None:
    chain.mine(timestamp=int(chain.blocks.head.timestamp) + 1)


def test_ussi__mint_with_cash_then_redeem__forward_priced(ussi, chain, accounts):
    opened = out("mint", "--cash", "1000", "--approve")
    assert opened["id"] == 1 and opened["kind"] == "mint with cash" and opened["amount"] == "1,000"
    next_block(chain)
    out("nav", "--date", "2025-02-25")
    settled = out("settle", "--request", "1")
    shares = int(ussi.balanceOf(accounts[3]))
    assert shares > 0 and settled["status"] == "settled"
    assert [t["call"] for t in settled["transactions"]] == ["USSI.settle_mint"]
    out("redeem", "--shares", "0.1")
    next_block(chain)
    out("nav", "--date", "2025-02-26")
    filled = out("fill", "--request", "2", "--approve")
    assert int(ussi.balanceOf(accounts[3])) == shares - 10**17
    assert [t["call"] for t in filled["transactions"]] == ["MockERC20.approve", "USSI.fill_redeem"]
    st = out("status")
    assert [(r["id"], r["status"]) for r in st["requests"]] == [(1, "settled"), (2, "settled")]
    assert st["nav_fresh"]


def test_ussi_settle__before_a_nav_report_after_the_request__refuses(ussi, chain, accounts):
    out("mint", "--cash", "1000", "--approve")
    line = refused(chain, accounts, "settle", "--request", "1")
    assert line.startswith("error: USSI request 1 waits for a NAV report dated after it (")
    assert line.endswith("): post one (`ape run ussi nav`)")


def test_ussi_nav__in_the_block_of_an_open_request__refuses(ussi, chain, accounts):
    out("mint", "--cash", "1000", "--approve")
    line = refused(chain, accounts, "nav", "--date", "2025-02-25")
    assert line.startswith("error: the latest block (")
    assert line.endswith(") holds USSI request 1: a NAV report that prices it must be dated after it; wait for the "
                         "next block (local chain: `ape run chain advance --seconds 1`) or pass --as-of")


def test_ussi_nav__a_move_above_the_bound__refuses(ussi, chain, accounts):
    line = refused(chain, accounts, "nav", "--nav", "5000")
    assert line.startswith("error: NAV moves ") and line.endswith(" to 5,000.000000: above USSI's bound of 1000 bps "
                                                                  "between two reports")


@pytest.mark.parametrize("args, message", [
    (["nav"], "error: give one of --date (the strategy's NAV at that close) or --nav"),
    (["nav", "--nav", "-1"], "error: --nav -1: must be a positive finite number"),
    (["nav", "--nav", "1000", "--signer", "TEST::3"], "error: not a USSI strategy signer: "
                                                        "0x90F79bf6EB2c4f870365E785982E1f101E93b906"),
    (["mint"], "error: give one of --cash or --index-shares"),
    (["mint", "--cash", "abc"], "error: --cash 'abc' is not a number"),
    (["mint", "--cash", "0.0000001"], "error: --cash 0.0000001: finer than the 6 decimals of USDC (smallest step 0.000001)"),
    (["mint", "--cash", "1000"], "error: insufficient USDC allowance for USSI: 0.000000 approved, 1,000.000000 needed "
                                 "(pass --approve)"),
    (["redeem", "--shares", "1"], "error: insufficient USSI balance for the redemption: have 0, need 1"),
    (["settle", "--request", "9"], "error: unknown USSI request 9 on ethereum:local"),
    (["deploy"], None),
])
def test_ussi__bad_input__refuses(ussi, chain, accounts, args, message):
    if message is None:
        message = f"error: USSI already deployed on ethereum:local at {ussi.address}"
    assert refused(chain, accounts, *args) == message


def test_ussi_settle__not_an_operator__refuses(ussi, chain, accounts):
    out("mint", "--cash", "1000", "--approve")
    assert refused(chain, accounts, "settle", "--request", "1", "--account", "TEST::3") == \
        f"error: account {accounts[3].address} is not a USSI operator"


def test_ussi_fill__a_mint_request__refuses(ussi, chain, accounts):
    out("mint", "--cash", "1000", "--approve")
    assert refused(chain, accounts, "fill", "--request", "1") == "error: USSI request 1 is a mint: `ussi settle`"
