"""Bad input at the desk: every refusal is one `error:` line on stderr, exit 1, and nothing sent.

The table in docs/operations.md ("Bad input") lists these cases with their messages; each test
here checks the exact line and that no account's nonce and no block number moved. The commands
run in-process through their click objects against the test's anvil (see test_scripts.py).
Also here: what the desk files when a command does send (hashes, blocks, gas, decimals), the
status of an index whose report went stale, the new commands (`compiler register-asset`,
`wlp requests`), and `arb once --dry-run`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ape import networks

from ssi.chain.eip712 import MINT, ApeSigner
from ssi.chain.protocol import DAY, quote_for
from ssi.ops.market import prices_at
from ssi.ops.session import Session
from ssi.ops.trading import QuoteFile
from tests.flows.desk import SCRIPTS, nothing_sent, refused, run

MAG7 = ["BTC", "ETH", "XRP", "SOL", "BNB", "DOGE", "ADA"]
QUOTE_DAY = "2025-01-31"


@pytest.fixture
def session(deployed, project, chain, accounts):
    return Session.connect(project, chain, accounts, networks.active_provider)


def quote(tmp_path: Path, side: str, shares: str, *extra: str) -> str:
    path = tmp_path / f"{side}-{shares}.json"
    run("pmm", "quote", "--index", "MAG7.ssi", "--side", side, "--shares", shares, "--date", QUOTE_DAY,
        "--out", str(path), *extra)
    return str(path)


def prices_file(tmp_path: Path, **changes: object) -> tuple[str, dict[str, float]]:
    reference = prices_at(dt.date.fromisoformat(QUOTE_DAY), MAG7)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({**reference, **changes}))
    return str(path), reference


def pmm_quote(*args: str) -> list[str]:
    return ["pmm", "quote", "--index", "MAG7", "--side", "mint", "--date", QUOTE_DAY, *args]


# -- 1. the PMM quote --------------------------------------------------------------------------


@pytest.mark.parametrize("shares, message", [
    ("abc", "error: --shares 'abc' is not a number"),
    ("nan", "error: --shares nan: not a finite number"),
    ("inf", "error: --shares inf: not a finite number"),
    ("-5", "error: --shares -5: must be positive"),
    ("0", "error: --shares 0: must be positive"),
    ("1e-19", "error: --shares 1e-19: finer than the 18 decimals of a share (smallest step 0.000000000000000001)"),
    ("1e-12", "error: 0.000000000001 shares is below the smallest request of MAG7.ssi (0.001 shares)"),
    ("1e30", "error: 1,000,000,000,000,000,000,000,000,000,000 shares is above the largest request of MAG7.ssi "
             "(1,000,000,000,000 shares)"),
])
def test_pmm_quote__bad_shares__refuses(deployed, chain, accounts, shares, message):
    assert refused(chain, accounts, *pmm_quote("--shares", shares)) == message


@pytest.mark.parametrize("btc, message", [
    (-5, "price of BTC must be a positive finite number, not -5"),
    (0, "price of BTC must be a positive finite number, not 0"),
    ("abc", "price of BTC is not a number ('abc')"),
    ("NaN", "price of BTC must be a positive finite number, not 'NaN'"),
    (True, "price of BTC is not a number (True)"),
])
def test_pmm_quote__bad_price_in_file__refuses(deployed, chain, accounts, tmp_path, btc, message):
    path, _ = prices_file(tmp_path, BTC=btc)
    assert refused(chain, accounts, *pmm_quote("--shares", "10", "--prices", path)) == f"error: --prices {path}: {message}"


def test_pmm_quote__price_far_from_reference__refuses(deployed, chain, accounts, tmp_path):
    path, ref = prices_file(tmp_path)
    path, _ = prices_file(tmp_path, BTC=ref["BTC"] * 1.5)
    line = refused(chain, accounts, *pmm_quote("--shares", "10", "--prices", path))
    assert line == (f"error: --prices {path}: BTC at 153,574 is 50.00% from its reference close 102,382 "
                    f"(bundled close of {QUOTE_DAY}); the tolerance is 10% (--max-price-deviation-pct)")
    # A wider tolerance, given explicitly, lets it through.
    run(*pmm_quote("--shares", "10", "--prices", path, "--max-price-deviation-pct", "60", "--out", str(tmp_path / "q.json")))


def test_pmm_quote__cash_below_the_cash_tokens_precision__refuses(deployed, chain, accounts, tmp_path):
    _, ref = prices_file(tmp_path)
    path, _ = prices_file(tmp_path, **{k: v * 1e-9 for k, v in ref.items()})
    line = refused(chain, accounts, *pmm_quote("--shares", "0.001", "--prices", path, "--max-price-deviation-pct", "100"))
    assert line == "error: the quote's cash, 1.03e-10 USDC, is below the precision of USDC (0.000001): quote more shares"


@pytest.mark.parametrize("args, message", [
    (["--spread-bps", "-1"], "error: --spread-bps -1: must be at least 0 and below 10000"),
    (["--spread-bps", "10000"], "error: --spread-bps 10000: must be at least 0 and below 10000"),
    (["--ttl", "0"], "error: --ttl 0: must be a positive number of seconds"),
    (["--nonce", "-1"], "error: --nonce -1: must be between 0 and 2**256 - 1"),
])
def test_pmm_quote__bad_spread_ttl_or_nonce__refuses(deployed, chain, accounts, args, message):
    assert refused(chain, accounts, *pmm_quote("--shares", "10", *args)) == message


def test_pmm_quote__for_an_account_that_is_not_a_wlp__refuses(deployed, chain, accounts):
    line = refused(chain, accounts, *pmm_quote("--shares", "10", "--wlp", "TEST::9"))
    assert line == f"error: {accounts[9].address} is not a WLP of MAG7.ssi: the issuer would refuse its request"


def test_wlp_mint_approve__quote_the_issuer_refuses__sends_no_approve(session, chain, accounts, tmp_path):
    """A quote signed outside `pmm quote` (here: 1e30 shares) is refused before the approve."""
    dep = session.deployment
    entry = session.book.index("MAG7")
    q, sig = quote_for(dep, ApeSigner(accounts[4]), index=entry.address, side=MINT, shares=10**48, cash=10**6,
                       cash_token=session.book.cash_token["address"], wlp=str(accounts[3].address),
                       deadline=chain.pending_timestamp + 600, nonce=77)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(QuoteFile(session.chain_id, str(dep.issuer.address), entry.symbol, q, sig, 0, "").to_json()))
    line = refused(chain, accounts, "wlp", "mint", "--quote", str(path), "--approve")
    assert line == ("error: 1,000,000,000,000,000,000,000,000,000,000 shares is above the largest request of "
                    "MAG7.ssi (1,000,000,000,000 shares)")
    assert int(session.cash().allowance(accounts[3], dep.issuer)) == 0


def test_preflight__approve_then_a_request_that_reverts__sends_neither(session, chain, accounts):
    """The dry run of [approve, request] refuses with the issuer's own reason when no check of ours caught it."""
    from ssi.ops.errors import OpsError
    from ssi.ops.preflight import Step, send

    dep = session.deployment
    entry = session.book.index("MAG7")
    q, sig = quote_for(dep, ApeSigner(accounts[4]), index=entry.address, side=MINT, shares=10**48, cash=10**6,
                       cash_token=session.book.cash_token["address"], wlp=str(accounts[3].address),
                       deadline=chain.pending_timestamp + 600, nonce=78)
    cash = session.cash()
    steps = [Step("approve", cash.approve, (dep.issuer.address, 2 * 10**6), accounts[3]),
             Step("request mint", dep.issuer.request_mint, (q.as_tuple(), sig, 10**6), accounts[3])]
    with nothing_sent(chain, accounts), pytest.raises(OpsError, match="^request mint: issuer: amount out of range$"):
        send(steps, chain.provider)


# -- 3. chain-state footguns -------------------------------------------------------------------


def test_deploy__on_a_throwaway_node_without_ephemeral__refuses(deployed, chain, accounts):
    assert refused(chain, accounts, "deploy") == (
        "error: no persistent node: Ape started a throw-away anvil for this command, which stops when it ends; "
        "start one (`make node`, then export APE_FOUNDRY_HOST=http://127.0.0.1:8545) or pass --ephemeral")


@contextlib.contextmanager
def book_edited(book_dir: Path, **changes: object):
    path = book_dir / "local.json"
    saved = path.read_text()
    path.write_text(json.dumps({**json.loads(saved), **changes}))
    try:
        yield path
    finally:
        path.write_text(saved)


def test_deploy__over_a_file_of_another_chain_without_force__refuses(deployed, book_dir, chain, accounts):
    with book_edited(book_dir, genesis_hash="0x" + "00" * 32) as path:
        line = refused(chain, accounts, "deploy", "--ephemeral")
        assert line == f"error: {path} was written on another chain; pass --force to replace it (its contracts are then forgotten)"
        assert json.loads(path.read_text())["genesis_hash"] == "0x" + "00" * 32


def test_wrong_network__only_the_genesis_differs__says_so(deployed, book_dir, chain, accounts):
    genesis = chain.blocks[0].hash.hex()
    genesis = genesis if genesis.startswith("0x") else "0x" + genesis
    with book_edited(book_dir, genesis_hash="0x" + "00" * 32) as path:
        line = refused(chain, accounts, "index", "status", "--index", "MAG7")
    assert line == (f"error: wrong network: {path} was written on another chain with the same id 31337 "
                    f"(its genesis block is 0x00000000…, this chain's is {genesis[:10]}…): the local node restarted? "
                    "keep one node running (`make node`) and deploy again")


def test_arb_once_dry_run__sends_nothing_and_prints_the_plan(chain, accounts):
    with nothing_sent(chain, accounts):
        result = run("arb", "once", "--dry-run", "--json")
    record = json.loads(result.stdout)
    assert record["dry_run"] is True and record["action"] == "mint_and_sell"
    assert record["premium_before"] == pytest.approx(0.05, abs=1e-6)
    assert "nothing deployed, nothing sent" in result.stderr


def test_arb_paper_venue__plans_as_the_built_venue_does(project, chain, accounts):
    """The dry run's venue on paper gives the very plan of the venue the script would deploy."""
    from ssi.arb.bot import GasModel, Roles, build_local_venue, run_round
    from ssi.arb.paper import paper_venue
    from ssi.arb.prices import BundledPrices

    weights = {"BTC": 0.5, "ETH": 0.3, "SOL": 0.2}
    prices = BundledPrices.at("2025-06-02", list(weights))
    lp = accounts.generate_test_account()
    accounts[0].transfer(lp, 10**18)
    roles = Roles(accounts[0], accounts[3], accounts[4], accounts[11], [accounts[5], accounts[6]], accounts[8], lp)
    built = build_local_venue(project, chain, roles, prices, weights=weights, pool_shares=10_000, premium_at_seed=0.05)
    on_chain = run_round(built, prices, GasModel(), dry_run=True)
    on_paper = run_round(paper_venue(prices, weights, pool_shares=10_000, premium_at_seed=0.05), prices, GasModel(),
                         dry_run=True)
    assert on_paper.as_dict() == on_chain.as_dict()


# -- 4. output a desk can file -----------------------------------------------------------------


def test_write_commands__print_hash_block_gas_and_token_decimals(deployed, chain, tmp_path):
    minted = json.loads(run("wlp", "mint", "--quote", quote(tmp_path, "mint", "10"), "--approve", "--json").stdout)
    calls = [t["call"] for t in minted["transactions"]]
    assert calls == ["MockERC20.approve", "Issuer.request_mint"]
    for t in minted["transactions"]:
        assert t["hash"].startswith("0x") and len(t["hash"]) == 66 and t["gas_used"] > 0 and t["status"] == "ok"
        assert chain.blocks[t["block"]].hash is not None and t["time"].endswith(" UTC")
    assert minted["cancel_after_utc"].endswith(" UTC")
    text = run("pmm", "deliver", "--request", "1").stdout
    assert "Issuer.deliver_mint" in text and "gas used" in text
    assert "base units" not in text
    report = json.loads(run("custodian", "report", "--index", "MAG7", "--json").stdout)
    assert [t["call"] for t in report["transactions"]] == ["ReserveOracle.post_report"]
    settled = json.loads(run("wlp", "settle", "--request", "1", "--json").stdout)
    assert settled["shares"] == "10" and [t["call"] for t in settled["transactions"]] == ["Issuer.settle_mint"]


def test_pmm_quote_json__with_out__summarises_the_quote(deployed, tmp_path):
    out = json.loads(run(*pmm_quote("--shares", "2.5", "--out", str(tmp_path / "q.json"), "--json")).stdout)
    assert out["shares"] == "2.5" and out["cash_token"] == "USDC" and out["valid_until"].endswith(" UTC")
    assert json.loads((tmp_path / "q.json").read_text())["quote"]["shares"] == str(25 * 10**17)


def test_reject_and_cancel__take_json(deployed, chain, tmp_path):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "10"), "--approve")
    rejected = json.loads(run("pmm", "reject", "--request", "1", "--json").stdout)
    assert rejected["status"] == "rejected" and [t["call"] for t in rejected["transactions"]] == ["Issuer.reject"]
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "5"), "--approve")
    chain.mine(timestamp=chain.pending_timestamp + DAY)
    cancelled = json.loads(run("wlp", "cancel", "--request", "2", "--json").stdout)
    assert cancelled["status"] == "cancelled" and [t["call"] for t in cancelled["transactions"]] == ["Issuer.cancel"]


# -- 5. stale figures --------------------------------------------------------------------------


def test_index_status__after_a_redemption__withholds_the_stale_figures(deployed, tmp_path):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "100"), "--approve")
    run("pmm", "deliver", "--request", "1")
    run("custodian", "report", "--index", "MAG7")
    run("wlp", "settle", "--request", "1")
    fresh = json.loads(run("index", "status", "--index", "MAG7", "--json").stdout)
    assert fresh["report_state"] == "current" and fresh["min_coverage_pct"] >= 100
    run("wlp", "redeem", "--quote", quote(tmp_path, "redeem", "40"), "--approve")
    run("pmm", "fill", "--request", "2", "--approve")
    st = json.loads(run("index", "status", "--index", "MAG7", "--json").stdout)
    assert st["report_state"] == "stale" and st["report_stale_reason"] == "a redemption was filled after it"
    assert st["min_coverage_pct"] is None
    assert all(a["coverage_pct"] is None for a in st["assets"])
    text = run("index", "status", "--index", "MAG7").stdout.splitlines()
    assert text[1].startswith("reserve report: as of ") and "STALE (a redemption was filled after it)" in text[1]
    assert "coverage withheld until a new report" in text[1]
    run("custodian", "report", "--index", "MAG7")
    assert json.loads(run("index", "status", "--index", "MAG7", "--json").stdout)["report_state"] == "current"


def test_index_status__report_older_than_the_maximum_age__is_stale(deployed, chain, tmp_path):
    run("custodian", "report", "--index", "MAG7")
    chain.mine(timestamp=chain.pending_timestamp + DAY + 60)
    st = json.loads(run("index", "status", "--index", "MAG7", "--json").stdout)
    assert st["report_state"] == "stale" and st["report_age_s"] > DAY
    assert st["report_stale_reason"] == "older than the oracle's maximum age of 86400 s"


# -- 6. one line and nothing else --------------------------------------------------------------


def test_refusal_in_its_own_process__is_one_stderr_line_and_an_empty_stdout(tmp_path):
    """`ape run` as a desk runs it: no plugin warning, no Ape log line, only the refusal."""
    env = {k: v for k, v in os.environ.items() if k != "APE_FOUNDRY_HOST"}
    env["SSI_DEPLOYMENTS_DIR"] = str(tmp_path)
    env.pop("SSI_VERBOSE", None)
    ape = Path(sys.executable).parent / "ape"
    done = subprocess.run([str(ape), "run", "wlp", "status"], cwd=SCRIPTS.parent, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (f"error: no deployment on this network ({tmp_path / 'local.json'} not found): "
                           "run `ape run deploy` first\n")


@pytest.mark.parametrize("args, message", [
    (["pmm", "quote", "--index", "MAG7", "--side", "sell", "--shares", "1"],
     "error: Invalid value for '--side': 'sell' is not one of 'mint', 'redeem'."),
    (["wlp", "settle"], "error: Missing option '--request'."),
    (["wlp", "settle", "--request", "one"], "error: Invalid value for '--request': 'one' is not a valid integer."),
])
def test_bad_option__one_line_not_a_usage_block(deployed, chain, accounts, args, message):
    assert refused(chain, accounts, *args) == message


def test_refusal_from_a_chain_revert__prints_no_call_trace(deployed, chain, accounts, tmp_path, capfd):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "10"), "--approve")
    run("pmm", "deliver", "--request", "1")
    capfd.readouterr()
    line = refused(chain, accounts, "wlp", "settle", "--request", "1")
    assert line == "error: request 1 cannot settle yet: oracle: no report"
    out, err = capfd.readouterr()
    assert "reverted" not in out + err and "trace" not in (out + err).lower()


# -- 7. a short report -------------------------------------------------------------------------


def test_custodian_report__short__refuses_unless_forced(deployed, session, chain, accounts, tmp_path):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "100"), "--approve")
    run("pmm", "deliver", "--request", "1")
    assets = session.mock_assets()
    wallet = session.custodian_wallet()
    holdings = {sym: str(int(assets[sym].balanceOf(wallet))) for sym in MAG7}
    holdings["BTC"] = str(int(holdings["BTC"]) * 9836 // 10000)
    path = tmp_path / "holdings.json"
    path.write_text(json.dumps(holdings))
    line = refused(chain, accounts, "custodian", "report", "--index", "MAG7", "--holdings", str(path))
    assert line == ("error: short report, not posted: BTC covered 98.36% for 100.000000 shares "
                    "(1 asset(s) below 100%); pass --force to post it anyway")
    out = run("custodian", "report", "--index", "MAG7", "--holdings", str(path), "--force").stdout
    assert "lowest coverage 98.36% (FORCED: below 100%)" in out and "ReserveOracle.post_report" in out


def test_custodian_report__as_of_in_iso__is_read_as_utc(deployed, chain, accounts):
    assert refused(chain, accounts, "custodian", "report", "--index", "MAG7", "--as-of", "1970-01-01T00:16:40Z") == (
        "error: stale report: as of 1970-01-01 00:16:40 UTC is older than the oracle's maximum age of 86400 s")
    assert refused(chain, accounts, "custodian", "report", "--index", "MAG7", "--as-of", "yesterday") == (
        "error: --as-of 'yesterday': expected an ISO-8601 time (2025-02-01T00:00:00Z) or a Unix timestamp")


# -- 8. new commands ---------------------------------------------------------------------------


def test_compiler_register_asset__registers_and_refuses_what_the_registry_would(deployed, book_dir, chain, accounts):
    path = book_dir / "local.json"
    saved = path.read_text()
    try:
        out = json.loads(run("compiler", "register-asset", "--symbol", "SUI", "--json").stdout)
        assert out["symbol"] == "SUI" and out["decimals"] == 9 and out["number"] == 8 and out["mock_token"]
        assert [t["call"] for t in out["transactions"]][0] == "BasketRegistry.register_asset"
        assert json.loads(path.read_text())["local"]["assets"]["SUI"] == out["mock_token"]
        assert refused(chain, accounts, "compiler", "register-asset", "--symbol", "SUI") == \
            "error: asset SUI is already registered (number 8, 9 decimals)"
    finally:
        path.write_text(saved)
    assert refused(chain, accounts, "compiler", "register-asset", "--symbol", "TRX", "--account", "TEST::2") == (
        f"error: account {accounts[2].address} is not the protocol owner ({accounts[0].address}): only it registers assets")
    assert refused(chain, accounts, "compiler", "register-asset", "--symbol", "TRX", "--decimals", "37") == \
        "error: --decimals 37: must be between 0 and 36"
    assert refused(chain, accounts, "compiler", "register-asset", "--symbol", "X" * 17) == \
        f"error: --symbol '{'X' * 17}': 1 to 16 printable characters without spaces"


def test_wlp_requests__age_and_next_action(deployed, chain, tmp_path):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "10"), "--approve")
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "20"), "--approve")
    run("pmm", "deliver", "--request", "2")
    chain.mine(timestamp=chain.pending_timestamp + 3_600)
    rows = json.loads(run("wlp", "requests", "--json").stdout)
    assert [(r["id"], r["status"], r["shares"]) for r in rows] == [(1, "open", "10"), (2, "delivered", "20")]
    assert rows[0]["next"] == "ape run pmm deliver --request 1 (PMM)"
    assert rows[1]["waits_for"] == "a fresh reserve report covering it"
    assert all(r["age_s"] >= 3_600 and r["age"].startswith("1h ") and not r["cancellable_now"] for r in rows)
    run("custodian", "report", "--index", "MAG7")
    rows = json.loads(run("wlp", "requests", "--json").stdout)
    assert rows[1]["next"] == "ape run wlp settle --request 2"
    assert json.loads(run("wlp", "requests", "--account", "TEST::9", "--json").stdout) == []
