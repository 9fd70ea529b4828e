"""The desk's newer commands: `chain advance`, `index collect-fee`, `custodian sign|post|release`.

Driven in-process through their click objects against the test's anvil, as in test_refusals.py:
what they do when they run, and for every refusal the exact line, exit 1, an empty stdout and
nothing sent (no block mined, no test account's nonce moved). docs/operations.md lists the
refusals in its bad-input table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ssi.chain.protocol import DAY
from ssi.ops.clock import advance
from ssi.ops.errors import OpsError
from ssi.ops.session import Session, iso
from tests.flows.desk import nothing_sent, refused, run

QUOTE_DAY = "2025-01-31"


def out(script: str, *args: str):
    return json.loads(run(script, *args, "--json").stdout)


@pytest.fixture
def ops(deployed, project, book_dir):
    book = json.loads((book_dir / "local.json").read_text())
    return {
        "book": book,
        "token": project.IndexToken.at(deployed["address"]),
        "issuer": project.Issuer.at(book["protocol"]["issuer"]),
        "oracle": project.ReserveOracle.at(book["protocol"]["oracle"]),
        "assets": {s: project.MockERC20.at(a) for s, a in book["local"]["assets"].items()},
    }


def quote(tmp_path: Path, side: str, shares: str) -> str:
    path = tmp_path / f"{side}-{shares}.json"
    run("pmm", "quote", "--index", "MAG7", "--side", side, "--shares", shares, "--date", QUOTE_DAY,
        "--out", str(path))
    return str(path)


def delivered(tmp_path: Path, request: int, shares: str = "100") -> None:
    run("wlp", "mint", "--quote", quote(tmp_path, "mint", shares), "--approve")
    run("pmm", "deliver", "--request", str(request))


def minted(tmp_path: Path, shares: str = "100") -> None:
    delivered(tmp_path, 1, shares)
    run("custodian", "report", "--index", "MAG7")
    run("wlp", "settle", "--request", "1")


# -- chain advance ---------------------------------------------------------------------------


def test_chain_advance__days__mines_one_block_that_much_later(deployed, chain):
    before, height = int(chain.blocks.head.timestamp), int(chain.blocks.height)
    moved = out("chain", "advance", "--days", "30")
    assert moved["moved_s"] == 30 * DAY and moved["before"] == before
    assert int(chain.blocks.head.timestamp) == before + 30 * DAY and int(chain.blocks.height) == height + 1


def test_chain_advance__to_an_iso_time__lands_there(deployed, chain):
    target = int(chain.blocks.head.timestamp) + 7 * DAY + 5
    moved = out("chain", "advance", "--to", iso(target).replace(" UTC", "Z").replace(" ", "T"))
    assert moved["after"] == target == int(chain.blocks.head.timestamp)


@pytest.mark.parametrize("args, message", [
    ([], "error: give exactly one of --days, --hours, --seconds or --to"),
    (["--days", "1", "--hours", "2"], "error: give only one of --days, --hours"),
    (["--days", "-1"], "error: --days -1: must be a positive finite number"),
    (["--hours", "nan"], "error: --hours nan: must be a positive finite number"),
    (["--seconds", "0"], "error: --seconds 0: must be a positive finite number"),
    (["--to", "soon"], "error: --to 'soon': expected an ISO-8601 time (2025-02-01T00:00:00Z) or a Unix timestamp"),
])
def test_chain_advance__bad_input__refuses(deployed, chain, accounts, args, message):
    assert refused(chain, accounts, "chain", "advance", *args) == message


def test_chain_advance__to_the_past__refuses(deployed, chain, accounts):
    now = int(chain.blocks.head.timestamp)
    assert refused(chain, accounts, "chain", "advance", "--to", str(now - 60)) == \
        f"error: --to {iso(now - 60)} is not after the chain's time ({iso(now)}): time only moves forward"


def test_chain_advance__on_a_network_that_is_not_local__refuses(deployed, project, chain, accounts):
    s = Session(project, chain, accounts, "ethereum", "sepolia")
    with nothing_sent(chain, accounts), pytest.raises(OpsError) as exc:
        advance(s, days=1.0, hours=None, seconds=None, to=None)
    assert str(exc.value) == "chain advance moves time only on the local chain, not on ethereum:sepolia"


# -- index collect-fee -----------------------------------------------------------------------


def test_index_collect_fee__mints_the_fee_owed_to_the_treasury(deployed, ops, chain, accounts, tmp_path):
    minted(tmp_path)
    chain.mine(timestamp=chain.pending_timestamp + 365 * DAY)
    fee = out("index", "collect-fee", "--index", "MAG7")
    shares = int(fee["fee_shares_wei"])
    # 0.5% a year, paid in new shares: 100 × 0.005 / 0.995 ≈ 0.5025 shares
    assert 0.50 < shares / 1e18 < 0.51
    assert int(ops["token"].balanceOf(accounts[8])) == shares
    assert int(ops["token"].totalSupply()) == 100 * 10**18 + shares
    assert [t["call"] for t in fee["transactions"]] == ["Issuer.accrue_fee"]


def test_index_collect_fee__nothing_owed__refuses(deployed, chain, accounts):
    line = refused(chain, accounts, "index", "collect-fee", "--index", "MAG7")
    assert line == (f"error: no fee to collect for MAG7.ssi at {iso(int(chain.blocks.head.timestamp))}: "
                    "0 shares owed (the index has no supply)")


# -- custodian sign / post -------------------------------------------------------------------


def signed(tmp_path: Path, account: str, *extra: str) -> str:
    path = tmp_path / f"sig-{account.replace(':', '')}-{len(list(tmp_path.iterdir()))}.json"
    run("custodian", "sign", "--index", "MAG7", "--account", account, "--out", str(path), *extra)
    return str(path)


def test_custodian_sign_and_post__two_separate_signers__back_the_settlement(deployed, ops, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    with nothing_sent(chain, accounts):  # signing sends nothing
        a, b = signed(tmp_path, "TEST::5"), signed(tmp_path, "TEST::7")
    assert json.loads(Path(a).read_text())["signer"] == str(accounts[5].address)
    posted = out("custodian", "post", "--index", "MAG7", a, b)
    assert posted["nonce"] == 0 and min(posted["coverage_pct"].values()) >= 100
    assert sorted(posted["signers"]) == sorted([str(accounts[5].address), str(accounts[7].address)])
    assert [t["call"] for t in posted["transactions"]] == ["ReserveOracle.post_report"]
    run("wlp", "settle", "--request", "1")
    assert int(ops["token"].totalSupply()) == 100 * 10**18


def test_custodian_sign_like__second_signer_signs_the_first_ones_report(deployed, ops, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    a = signed(tmp_path, "TEST::5")
    chain.mine(timestamp=chain.pending_timestamp + 60)  # the second signer signs a minute later
    b = signed(tmp_path, "TEST::6", "--like", a)
    assert json.loads(Path(b).read_text())["report"] == json.loads(Path(a).read_text())["report"]
    out("custodian", "post", "--index", "MAG7", a, b)
    run("wlp", "settle", "--request", "1")
    assert int(ops["token"].totalSupply()) == 100 * 10**18


def test_custodian_sign_like__holdings_that_differ__refuses(deployed, ops, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    a = signed(tmp_path, "TEST::5")
    wallet = ops["book"]["local"]["custodian_wallet"]
    holdings = tmp_path / "holdings.json"
    balances = {s: int(t.balanceOf(wallet)) for s, t in ops["assets"].items()}
    balances["ETH"] += 1
    holdings.write_text(json.dumps({k: str(v) for k, v in balances.items()}))
    line = refused(chain, accounts, "custodian", "sign", "--index", "MAG7", "--account", "TEST::6", "--like", a,
                   "--holdings", str(holdings), "--out", str(tmp_path / "b.json"))
    assert line.startswith(f"error: {a} reports ") and " ETH, the holdings read here are " in line
    assert line.endswith(" (1 asset(s) differ): not signed")
    assert refused(chain, accounts, "custodian", "sign", "--index", "MAG7", "--account", "TEST::6", "--like", a,
                   "--version", "pending", "--out", str(tmp_path / "b.json")) == \
        "error: --like signs the other file's report: its version and as-of time; drop --version and --as-of"


def test_custodian_post__fewer_signatures_than_the_threshold__refuses(deployed, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    a = signed(tmp_path, "TEST::5")
    assert refused(chain, accounts, "custodian", "post", "--index", "MAG7", a) == \
        "error: 1 signer(s) given, MAG7.ssi needs 2"


def test_custodian_post__one_signer_twice__refuses(deployed, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    a, again = signed(tmp_path, "TEST::5"), signed(tmp_path, "TEST::5")
    assert refused(chain, accounts, "custodian", "post", "--index", "MAG7", a, again) == \
        f"error: {a} and {again} are both signed by {accounts[5].address}: each signer counts once"


def test_custodian_post__files_that_sign_different_reports__refuses(deployed, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    now = int(chain.blocks.head.timestamp)
    a = signed(tmp_path, "TEST::5")
    b = signed(tmp_path, "TEST::6", "--as-of", str(now - 1))
    assert refused(chain, accounts, "custodian", "post", "--index", "MAG7", a, b) == \
        f"error: {b} signs another report than {a} (its as_of differs): every signer must sign the same report"


def test_custodian_post__a_tampered_file__refuses(deployed, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    a, b = signed(tmp_path, "TEST::5"), signed(tmp_path, "TEST::6")
    for path in (a, b):  # both files agree on the new balances; neither signature covers them
        data = json.loads(Path(path).read_text())
        data["report"]["balances"][0] = str(int(data["report"]["balances"][0]) * 2)
        Path(path).write_text(json.dumps(data))
    line = refused(chain, accounts, "custodian", "post", "--index", "MAG7", a, b)
    assert line.startswith(f"error: {a}: the signature is not {accounts[5].address}'s (it recovers to 0x")


def test_custodian_post__a_report_posted_since_signing__refuses(deployed, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    a, b = signed(tmp_path, "TEST::5"), signed(tmp_path, "TEST::6")
    run("custodian", "report", "--index", "MAG7")
    assert refused(chain, accounts, "custodian", "post", "--index", "MAG7", a, b) == \
        ("error: the signed report's nonce 0 is not the oracle's next (1): a report was posted since it was "
         "signed; sign again")


def test_custodian_post__not_a_signature_file__refuses(deployed, chain, accounts, tmp_path):
    path = tmp_path / "quote.json"
    path.write_text(json.dumps({"kind": "quote"}))
    assert refused(chain, accounts, "custodian", "post", "--index", "MAG7", str(path)) == \
        f"error: {path}: not a signature file (kind is 'quote', not 'ssi-reserve-report-signature')"


def test_custodian_sign__not_a_signer__refuses(deployed, chain, accounts, tmp_path):
    line = refused(chain, accounts, "custodian", "sign", "--index", "MAG7", "--account", "TEST::3",
                   "--out", str(tmp_path / "sig.json"))
    assert line == f"error: account {accounts[3].address} is not a custodian signer of MAG7.ssi"
    assert not (tmp_path / "sig.json").exists()


def test_custodian_sign_and_post__short_report__refused_unless_forced(deployed, ops, chain, accounts, tmp_path):
    delivered(tmp_path, 1)
    holdings = tmp_path / "holdings.json"
    wallet = ops["book"]["local"]["custodian_wallet"]
    balances = {s: int(t.balanceOf(wallet)) for s, t in ops["assets"].items()}
    balances["BTC"] = balances["BTC"] * 98 // 100
    holdings.write_text(json.dumps({k: str(v) for k, v in balances.items()}))
    line = refused(chain, accounts, "custodian", "sign", "--index", "MAG7", "--account", "TEST::5",
                   "--holdings", str(holdings), "--out", str(tmp_path / "sig.json"))
    assert line.startswith("error: short report, not signed: BTC covered 98.0")
    assert line.endswith("shares (1 asset(s) below 100%); pass --force to sign it anyway")
    a = signed(tmp_path, "TEST::5", "--holdings", str(holdings), "--force")
    b = signed(tmp_path, "TEST::6", "--holdings", str(holdings), "--force")
    line = refused(chain, accounts, "custodian", "post", "--index", "MAG7", a, b)
    assert line.startswith("error: short report, not posted: BTC covered 98.0")
    assert line.endswith("pass --force to post it anyway")


# -- custodian release -----------------------------------------------------------------------


def test_custodian_release__fill_and_basket_owed__pending_then_paid(deployed, ops, chain, accounts, tmp_path):
    minted(tmp_path)
    run("wlp", "redeem", "--quote", quote(tmp_path, "redeem", "40"), "--approve")
    run("pmm", "fill", "--request", "2", "--approve", "--no-release")
    delivered(tmp_path, 3, "10")
    run("pmm", "reject", "--request", "3", "--reason", "no liquidity")
    rows = out("custodian", "release", "--index", "MAG7")
    assert [(r["kind"], r["request"], r["status"], r["to"]) for r in rows] == [
        ("redemption", 2, "pending", str(accounts[4].address)), ("basket owed", 3, "pending", str(accounts[4].address))]
    btc = ops["assets"]["BTC"]
    before = int(btc.balanceOf(accounts[4]))
    sent = out("custodian", "release", "--send")
    assert [r["status"] for r in sent["releases"]] == ["paid", "paid"]
    owed_btc = sum(int(r["amounts_base_units"]["BTC"]) for r in rows)
    assert int(btc.balanceOf(accounts[4])) - before == owed_btc
    assert {t["call"] for t in sent["transactions"]} == {"MockERC20.transfer"}
    assert refused(chain, accounts, "custodian", "release", "--send") == \
        "error: nothing to release: every recorded outflow is paid"


def test_custodian_release__a_fill_released_by_pmm_fill__is_paid(deployed, chain, accounts, tmp_path):
    minted(tmp_path)
    run("wlp", "redeem", "--quote", quote(tmp_path, "redeem", "40"), "--approve")
    run("pmm", "fill", "--request", "2", "--approve")
    rows = out("custodian", "release", "--request", "2")
    assert [(r["kind"], r["status"]) for r in rows] == [("redemption", "paid")]


def test_custodian_release__nothing_recorded__refuses_to_send(deployed, chain, accounts):
    assert refused(chain, accounts, "custodian", "release", "--send") == \
        "error: nothing to release: no redemption fill or basket owed recorded"
    assert refused(chain, accounts, "custodian", "release", "--request", "0") == \
        "error: --request 0: request ids start at 1"


def test_custodian_release__wallet_short__refuses_and_sends_nothing(deployed, ops, chain, accounts, tmp_path):
    minted(tmp_path)
    run("wlp", "redeem", "--quote", quote(tmp_path, "redeem", "40"), "--approve")
    run("pmm", "fill", "--request", "2", "--approve", "--no-release")
    btc = ops["assets"]["BTC"]
    btc.transfer(accounts[1], btc.balanceOf(accounts[9]), sender=accounts[9])
    line = refused(chain, accounts, "custodian", "release", "--send")
    assert line.startswith("error: the custodian wallet holds 0 BTC, the pending releases need 0.0")
    assert line.endswith(": nothing sent")


# -- arb pool --------------------------------------------------------------------------------


def test_arb_pool__opens_the_pool_at_the_premium_and_records_it(tmp_path, ops, book_dir, chain, accounts):
    minted(tmp_path, "100")
    data = out("arb", "pool", "--index", "MAG7", "--shares", "40", "--premium", "0.02", "--date", QUOTE_DAY)
    from ape import project

    pool = project.ConstantProductPool.at(data["pool"])
    reserve_index, reserve_cash = (int(x) for x in pool.reserves())
    assert reserve_index == 40 * 10**18 == int(data["shares"])
    price = reserve_cash / 10**6 / 40
    assert price == pytest.approx(data["nav"] * 1.02, rel=1e-6)
    assert json.loads((book_dir / "local.json").read_text())["local"]["pools"]["MAG7.ssi"] == data["pool"]
    assert [t["call"] for t in data["transactions"]][-1].endswith("add_liquidity")


@pytest.mark.parametrize("args, message", [
    (["--shares", "1"], "error: 0x90F79bf6EB2c4f870365E785982E1f101E93b906 holds 0 MAG7.ssi, fewer than the 1 to "
                        "seed: mint first"),
    (["--shares", "1", "--premium", "2"], "error: --premium 2: must be between -0.5 and 1.0"),
    (["--shares", "1", "--premium", "0.1", "--price", "100"], "error: give --premium or --price, not both"),
    (["--shares", "1", "--price", "abc"], "error: --price 'abc' is not a number"),
    (["--shares", "-3"], "error: --shares -3: must be positive"),
    (["--shares", "1", "--fee-bps", "5000"], "error: --fee-bps 5000: must be between 0 and 1000"),
])
def test_arb_pool__refusals(ops, chain, accounts, args, message):
    line = refused(chain, accounts, "arb", "pool", "--index", "MAG7", *args)
    assert line == message


@pytest.mark.parametrize("args, message", [
    (["--requests", "0"], "error: Invalid value for '--requests': 0 is not in the range x>=1."),
    (["--block-time", "61"], "error: Invalid value for '--block-time': 61 is not in the range 0<=x<=60."),
])
def test_operators_bench__refusals(ops, chain, accounts, args, message):
    assert refused(chain, accounts, "operators", "bench", *args) == message
