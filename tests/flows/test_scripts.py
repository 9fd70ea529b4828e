"""The role scripts (`ape run deploy|compiler|wlp|pmm|custodian|index`) driven in-process on anvil.

Each command is invoked through its click object with click's CliRunner while the test
provider is connected, so the same code path as `ape run ...` runs, deployments file
included (in a temporary directory). Refusals are checked by their exact line on stderr,
a non-zero exit and an unchanged chain.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ssi.chain.protocol import DAY
from tests.flows.desk import run



def refused(script: str, *args: str) -> str:
    """Runs a command that must refuse; returns its one stderr line."""
    result = run(script, *args, ok=False)
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def ops(deployed, project, chain):
    """Contracts of the deployment, read back from the deployments file."""
    book = json.loads((Path(os.environ["SSI_DEPLOYMENTS_DIR"]) / "local.json").read_text())
    return {
        "book": book,
        "token": project.IndexToken.at(deployed["address"]),
        "issuer": project.Issuer.at(book["protocol"]["issuer"]),
        "registry": project.BasketRegistry.at(book["protocol"]["registry"]),
        "oracle": project.ReserveOracle.at(book["protocol"]["oracle"]),
        "usdc": project.MockERC20.at(book["cash_token"]["address"]),
    }


def quote(tmp_path: Path, side: str, shares: str, *extra: str) -> str:
    path = tmp_path / f"{side}-{shares}.json"
    run("pmm", "quote", "--index", "MAG7.ssi", "--side", side, "--shares", shares, "--date", "2025-01-31",
        "--out", str(path), *extra)
    return str(path)


def minted(tmp_path: Path, shares: str = "100") -> None:
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", shares), "--approve")
    run("pmm", "deliver", "--request", "1")
    run("custodian", "report", "--index", "MAG7")
    run("wlp", "settle", "--request", "1")


# -- deploy and status -----------------------------------------------------------------------


def test_deploy__records_mag7_with_the_methodology_basket(deployed, ops):
    assert deployed["index"] == "MAG7.ssi"
    assert list(deployed["weights"]) == ["BTC", "ETH", "XRP", "SOL", "BNB", "DOGE", "ADA"]
    assert abs(sum(deployed["weights"].values()) - 1) < 1e-12
    assert ops["book"]["indices"]["MAG7.ssi"]["address"] == deployed["address"]
    assert ops["book"]["chain_id"] == 31337
    assert str(ops["token"].symbol()) == "MAG7.ssi"


def test_deploy__twice__refuses(deployed):
    assert refused("deploy", "--ephemeral") == f"error: index MAG7.ssi already deployed on ethereum:local at {deployed['address']}"


def test_index_status__fresh_index__nav_at_reference_prices(deployed):
    st = json.loads(run("index", "status", "--index", "MAG7", "--json").stdout)
    assert st["supply"] == 0 and st["basket_version"] == 1
    assert abs(st["nav_per_share"] - 100) < 1e-6  # the first basket is worth $100 at its reference closes
    assert st["open_requests"] == [] and st["report_as_of"] is None


# -- mint, redeem, cancel, reject ------------------------------------------------------------


def test_mint__quote_request_deliver_report_settle(deployed, ops, tmp_path):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "100"), "--approve")
    rows = json.loads(run("wlp", "status", "--json").stdout)
    assert [(r["id"], r["side"], r["status"], r["shares"]) for r in rows] == [(1, "mint", "open", 100.0)]
    run("pmm", "deliver", "--request", "1")
    report = json.loads(run("custodian", "report", "--index", "MAG7", "--json").stdout)
    assert report["supply_covered"] == 100.0 and min(report["coverage_pct"].values()) >= 100
    run("wlp", "settle", "--request", "1")
    st = json.loads(run("index", "status", "--index", "MAG7.ssi", "--date", "2025-01-31", "--json").stdout)
    assert st["supply"] == 100.0 and st["min_coverage_pct"] >= 100 and st["open_requests"] == []
    assert int(ops["issuer"].escrowed(ops["usdc"])) == 0


def test_redeem__quote_request_fill(deployed, ops, tmp_path, accounts):
    minted(tmp_path)
    run("wlp", "redeem", "--quote", quote(tmp_path, "redeem", "40"), "--approve")
    before = int(ops["usdc"].balanceOf(accounts[3]))
    out = json.loads(run("pmm", "fill", "--request", "2", "--approve", "--json").stdout)
    # 60 shares left with the WLP, plus the management fee the fill minted to the treasury first
    # (seconds of 0.5%/year on 100 shares: none if the fill lands in the settlement's second).
    fee_shares = int(ops["token"].balanceOf(accounts[8]))
    assert 0 <= fee_shares < 10**15
    assert int(ops["token"].totalSupply()) == 60 * 10**18 + fee_shares
    assert int(ops["usdc"].balanceOf(accounts[3])) > before
    assert set(out["released"]) == {"BTC", "ETH", "XRP", "SOL", "BNB", "DOGE", "ADA"}


def test_cancel__after_timeout__refunds(deployed, ops, tmp_path, chain, accounts):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "10"), "--approve")
    assert refused("wlp", "cancel", "--request", "1").startswith("error: request 1 can be cancelled from ")
    chain.mine(timestamp=chain.pending_timestamp + DAY)
    before = int(ops["usdc"].balanceOf(accounts[3]))
    run("wlp", "cancel", "--request", "1")
    assert int(ops["usdc"].balanceOf(accounts[3])) > before
    assert int(ops["issuer"].request_status(1)) == 4


def test_reject__refunds_and_closes(deployed, ops, tmp_path):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "10"), "--approve")
    run("pmm", "reject", "--request", "1", "--reason", "no liquidity")
    assert int(ops["issuer"].request_status(1)) == 5
    assert json.loads(run("wlp", "status", "--json").stdout) == []


# -- rebalance -------------------------------------------------------------------------------


def test_compiler__preview_announce_trade_report_activate(deployed, ops, tmp_path, chain):
    minted(tmp_path)
    plan = json.loads(run("compiler", "preview", "--index", "MAG7", "--date", "2025-02-25", "--json").stdout)
    assert plan["within_tolerance"] and abs(plan["nav_diff_bps"]) < 0.01
    assert {t["symbol"] for t in plan["trades"]} == set(plan["new_units"])
    out = json.loads(run("compiler", "announce", "--index", "MAG7", "--date", "2025-02-25", "--json").stdout)
    assert out["announced_version"] == 2
    assert refused("compiler", "activate", "--index", "MAG7").startswith("error: basket version 2 of MAG7.ssi is not due until ")
    chain.mine(timestamp=out["effective_at"])
    assert refused("compiler", "activate", "--index", "MAG7") == "error: basket version 2 not backed: oracle: no report"
    run("pmm", "trade", "--index", "MAG7")
    run("custodian", "report", "--index", "MAG7", "--version", "pending")
    run("compiler", "activate", "--index", "MAG7")
    assert int(ops["registry"].version(ops["token"])) == 2
    units = [str(u) for u in ops["registry"].effective_units(ops["token"], 2, False)]
    assert len(units) == 7


def test_compiler_announce__nav_off_by_more_than_tolerance__refuses(deployed, ops, tmp_path):
    plan = json.loads(run("compiler", "preview", "--index", "MAG7", "--date", "2025-02-25", "--json").stdout)
    doubled = tmp_path / "units.json"
    doubled.write_text(json.dumps({k: str(int(v) * 2) for k, v in plan["new_units"].items()}))
    line = refused("compiler", "announce", "--index", "MAG7", "--date", "2025-02-25", "--units", str(doubled))
    assert line.startswith("error: refusing to announce: NAV per share at the same prices moves from ")
    assert line.endswith("(+10000.0000 bps, tolerance 1.0 bps)")
    assert int(ops["registry"].pending_version(ops["token"])) == 0


# -- bad input: one line, exit 1, nothing on chain -------------------------------------------


def test_unknown_index__refuses(deployed):
    assert refused("index", "status", "--index", "NOPE") == "error: unknown index 'NOPE' on ethereum:local (known: MAG7.ssi)"


def test_unknown_account__refuses(deployed, tmp_path):
    path = quote(tmp_path, "mint", "1")
    assert refused("wlp", "mint", "--quote", path, "--account", "nobody") == \
        "error: unknown account 'nobody' (see `ape accounts list`)"


def test_wlp_mint__insufficient_balance__refuses(deployed, ops, tmp_path):
    path = quote(tmp_path, "mint", "1000000")  # $100M against the 10M USDC the local WLP holds
    line = refused("wlp", "mint", "--quote", path, "--approve")
    assert line.startswith("error: insufficient USDC balance for the mint: have 10,000,000.000000, need ")
    assert int(ops["issuer"].request_count()) == 0


def test_wlp_mint__insufficient_allowance__refuses(deployed, ops, tmp_path, accounts):
    line = refused("wlp", "mint", "--quote", quote(tmp_path, "mint", "10"))
    assert line.startswith("error: insufficient USDC allowance for the issuer: 0.000000 approved, ")
    assert line.endswith(" needed (pass --approve)")
    assert int(ops["issuer"].request_count()) == 0
    assert int(ops["usdc"].allowance(accounts[3], ops["issuer"])) == 0


def test_wlp_mint__expired_quote__refuses(deployed, ops, tmp_path, chain):
    path = quote(tmp_path, "mint", "10", "--ttl", "60")
    chain.mine(timestamp=chain.pending_timestamp + 120)
    line = refused("wlp", "mint", "--quote", path, "--approve")
    assert line.startswith("error: quote expired at ") and line.endswith("ask the PMM for a new one")
    assert int(ops["issuer"].request_count()) == 0


def test_wlp_redeem__with_a_mint_quote__refuses(deployed, tmp_path):
    assert refused("wlp", "redeem", "--quote", quote(tmp_path, "mint", "10")) == \
        "error: this is a mint quote, not a redeem quote"


def test_custodian_report__stale__refuses(deployed, ops):
    line = refused("custodian", "report", "--index", "MAG7", "--as-of", "1000")
    assert line == ("error: stale report: as of 1970-01-01 00:16:40 UTC is older than the oracle's "
                    "maximum age of 86400 s")
    assert int(ops["oracle"].next_nonce(ops["token"])) == 0


def test_wlp_settle__with_stale_report__refuses(deployed, ops, tmp_path, chain):
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", "10"), "--approve")
    run("pmm", "deliver", "--request", "1")
    run("custodian", "report", "--index", "MAG7")
    chain.mine(timestamp=chain.pending_timestamp + DAY + 60)
    assert refused("wlp", "settle", "--request", "1") == "error: request 1 cannot settle yet: oracle: report stale"
    assert int(ops["token"].totalSupply()) == 0


def test_compiler_activate__nothing_pending__refuses(deployed):
    assert refused("compiler", "activate", "--index", "MAG7") == "error: no basket pending for MAG7.ssi"


def test_compiler_announce__not_the_compiler__refuses(deployed, ops, accounts):
    line = refused("compiler", "announce", "--index", "MAG7", "--date", "2025-02-25", "--account", "TEST::9")
    assert line == f"error: account {accounts[9].address} is not the compiler of MAG7.ssi"


def test_wrong_network__deployments_file_of_another_chain__refuses(deployed, book_dir):
    path = book_dir / "local.json"
    saved = path.read_text()
    try:
        data = json.loads(saved)
        data["chain_id"] = 1
        path.write_text(json.dumps(data))
        assert refused("index", "status", "--index", "MAG7") == \
            f"error: wrong network: {path} is for chain 1, connected to chain 31337"
    finally:
        path.write_text(saved)


def test_wrong_network__quote_for_another_issuer__refuses(deployed, tmp_path):
    path = Path(quote(tmp_path, "mint", "10"))
    data = json.loads(path.read_text())
    data["chain_id"] = 5
    path.write_text(json.dumps(data))
    line = refused("wlp", "mint", "--quote", str(path), "--approve")
    assert line.startswith(f"error: wrong network: the quote is for issuer {data['issuer']} on chain 5")


def test_no_deployment__refuses(tmp_path, chain):
    old = os.environ["SSI_DEPLOYMENTS_DIR"] if "SSI_DEPLOYMENTS_DIR" in os.environ else None
    os.environ["SSI_DEPLOYMENTS_DIR"] = str(tmp_path)
    try:
        assert refused("wlp", "status") == \
            f"error: no deployment on this network ({tmp_path / 'local.json'} not found): run `ape run deploy` first"
    finally:
        if old is None:
            del os.environ["SSI_DEPLOYMENTS_DIR"]
        else:
            os.environ["SSI_DEPLOYMENTS_DIR"] = old
