"""What the page shows, checked against the chain, in Chromium.

The tests share one chain in the demo's final state and one server. Ape reverts the chain to its
snapshot after each test, so what a test adds (a report, a request, time) is gone for the next one,
while the server's indexer keeps running across them: it must notice the replaced blocks and drop
their events (the same path as a reorganisation on a real network).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from ssi.chain.protocol import asset_id, required_reserve, symbol_of
from ssi.ops import custodian

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "web_index.png"
SYMBOL = "MAG7.ssi"


def _chain_figures(s) -> dict:
    """Supply, basket, reserves and coverage as the contracts hold them, computed here."""
    dep = s.deployment
    token = s.token(SYMBOL)
    version = int(dep.registry.version(token))
    ids, _ = dep.registry.basket(token, version)
    symbols = [symbol_of(bytes(i)) for i in ids]
    decimals = {sym: int(dep.registry.assets(asset_id(sym)).decimals) for sym in symbols}
    units = [int(u) for u in dep.registry.effective_units(token, version, False)]
    units_up = [int(u) for u in dep.registry.effective_units(token, version, True)]
    balances, as_of = dep.oracle.reserves(token, version)
    claims = int(dep.issuer.claims(token))
    coverage = {sym: int(b) / required_reserve(claims, u) * 100 for sym, b, u in zip(symbols, balances, units_up)}
    return {"token": token, "version": version, "symbols": symbols, "decimals": decimals,
            "units": dict(zip(symbols, units)), "supply": int(token.totalSupply()), "as_of": int(as_of),
            "coverage": coverage, "nonce": int(dep.oracle.next_nonce(token)) - 1}


def _cell(page, table: str, row: str, field: str) -> str:
    return page.locator(f"#{table} tr[data-asset='{row}'] [data-field='{field}']").inner_text().strip()


def test_indices_page__lists_the_index_with_supply_and_nav(page, server, demo_session):
    page.goto(server.url + "/")
    row = page.locator(f"#indices tr[data-symbol='{SYMBOL}']")
    supply = int(demo_session.token(SYMBOL).totalSupply())
    assert row.locator("[data-field='supply']").inner_text() == f"{supply / 1e18:,.6f}"
    assert row.locator("[data-field='report-state']").inner_text().strip().lower() == "current"
    assert "bundled data: closes of 2025-02-28" in page.locator("#prices-source").inner_text()
    nav = float(row.locator("[data-field='nav']").inner_text().lstrip("$").replace(",", ""))
    assert abs(nav - 75.42) < 0.01  # the demo's NAV at the 2025-02-28 closes


def test_index_page__shows_the_chains_supply_basket_coverage_and_report_age(page, server, demo_session):
    page.goto(f"{server.url}/indices/{SYMBOL}")
    c = _chain_figures(demo_session)
    assert page.locator("#summary [data-field='supply']").inner_text() == f"{c['supply'] / 1e18:,.6f} shares"
    shown = [r.get_attribute("data-asset") for r in page.locator("#basket tbody tr").all()]
    assert shown == c["symbols"]
    for sym in c["symbols"]:
        assert _cell(page, "basket", sym, "units") == f"{c['units'][sym] / 10 ** c['decimals'][sym] / 1e18:,.10f}"
        assert _cell(page, "reserves", sym, "coverage") == f"{c['coverage'][sym]:,.4f}%"
        assert 100 <= c["coverage"][sym] < 100.01  # the demo's custodian reports exactly what it holds
    assert page.locator("[data-field='report-state']").inner_text() == "CURRENT"
    assert int(page.locator("[data-field='report-age-s']").inner_text()) == demo_session.now() - c["as_of"]
    weights = sum(float(_cell(page, "basket", sym, "weight").rstrip("%")) for sym in c["symbols"])
    assert abs(weights - 100) < 0.05
    # The backtest's chart and rebalance history, from `ssi backtest` outputs.
    assert page.locator("#rebalances tbody tr").count() >= 20
    assert page.locator("img[src$='backtest.svg']").evaluate("img => img.naturalWidth") > 0
    assert page.locator("img[src$='supply.svg']").evaluate("img => img.naturalWidth") > 0
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)


def test_index_page__supply_history_ends_at_the_chains_supply(page, server, demo_session):
    data = json.loads(urllib.request.urlopen(f"{server.url}/api/indices/{SYMBOL}").read())
    supply = int(demo_session.token(SYMBOL).totalSupply())
    assert data["supply_exact"] == str(supply)
    assert data["supply_history"][-1]["supply_exact"] == str(supply)
    events = [p["event"] for p in data["supply_history"]]
    # The demo's accrual mints the fee; the redemption's fill mints the seconds since, unless it lands
    # in the accrual's second (then nothing is owed and no event is emitted).
    assert events[0] == "MintSettled" and events[-1] == "RedeemFilled", events
    assert events[1:-1] in (["FeeSharesMinted"], ["FeeSharesMinted", "FeeSharesMinted"]), events
    assert data["open_requests"] == [] and data["pending"] is None


def test_request_page__opened_by_id__shows_its_lifecycle_with_transactions(page, server, demo_session):
    issuer = demo_session.deployment.issuer
    start = demo_session.book.deploy_block
    stop = int(demo_session.chain.blocks.height) + 1
    page.goto(server.url + "/")
    page.get_by_label("Request id").fill("1")
    page.get_by_role("button", name="Open request").click()
    page.wait_for_url("**/requests/1")
    assert page.locator("h1").inner_text().startswith("Request 1: mint of 1,000.000000 MAG7.ssi")
    assert page.locator("[data-field='state']").inner_text().strip().lower().startswith("settled")
    steps = [r.get_attribute("data-event") for r in page.locator("#lifecycle tbody tr").all()]
    assert steps == ["MintRequested", "MintDelivered", "MintSettled"]
    for event in steps:
        log = list(getattr(issuer, event).range(start, stop, search_topics={"id": 1}))[0]
        tx = log.transaction_hash if isinstance(log.transaction_hash, str) else "0x" + bytes(log.transaction_hash).hex()
        shown = page.locator(f"#lifecycle tr[data-event='{event}'] code.tx").inner_text()
        assert shown.lower() == tx.lower()
    page.goto(server.url + "/requests/2")
    assert [r.get_attribute("data-event") for r in page.locator("#lifecycle tbody tr").all()] == [
        "RedeemRequested", "RedeemFilled"]
    page.goto(server.url + "/requests/999")
    assert "unknown request 999" in page.locator("[role='alert']").inner_text()


def test_new_report__the_page_shows_it(page, server, demo_session):
    s = demo_session
    signers = s.signers(())
    first = _chain_figures(s)["symbols"][0]
    # The custodian receives more of the first asset and reports: its coverage rises above 100%.
    wallet = s.custodian_wallet()
    token = s.mock_assets()[first]
    token.mint(wallet, int(token.balanceOf(wallet)) // 10, sender=s.account(None, "pmm"))
    s.chain.mine(timestamp=s.now() + 3_600)
    posted = custodian.report(s, signers[0], signers, SYMBOL)
    page.goto(f"{server.url}/indices/{SYMBOL}")
    c = _chain_figures(s)
    assert posted.nonce == c["nonce"]
    assert _cell(page, "reserves", first, "coverage") == f"{c['coverage'][first]:,.4f}%"
    assert 109.9 < c["coverage"][first] < 110.1
    latest = page.locator("#report-history tbody tr").first
    assert latest.locator("th").inner_text() == str(posted.nonce)
    assert int(page.locator("[data-field='report-age-s']").inner_text()) == s.now() - c["as_of"]


def test_open_request__listed_with_its_age_and_state(page, server, demo_session):
    import datetime as dt

    from ssi.ops import trading
    from ssi.ops.market import prices_at, to_base

    s = demo_session
    wlp, pmm = s.account(None, "wlp"), s.account(None, "pmm")
    symbols = _chain_figures(s)["symbols"]
    day = dt.date(2025, 2, 28)
    qf = trading.make_quote(s, pmm, SYMBOL, "mint", to_base(5, 18), str(wlp.address), prices_at(day, symbols), str(day))
    request = trading.request_mint(s, wlp, qf, approve=True)
    s.chain.mine(timestamp=s.now() + 120)
    page.goto(f"{server.url}/indices/{SYMBOL}")
    row = page.locator(f"#open-requests tr[data-request='{request.id}']")
    assert row.locator("td").nth(1).inner_text().lower() == "open"
    assert row.locator("td").nth(3).inner_text() == "2 min"
    assert "delivery" in row.locator("td").nth(4).inner_text()
    row.get_by_role("link", name=str(request.id)).click()
    page.wait_for_url(f"**/requests/{request.id}")
    assert page.locator("[data-field='state']").inner_text().lower().startswith("open")


def test_stale_report__is_flagged_in_words(page, server, demo_session):
    s = demo_session
    max_age = int(s.deployment.oracle.max_report_age())
    s.chain.mine(timestamp=s.now() + max_age + 60)
    page.goto(f"{server.url}/indices/{SYMBOL}")
    status = page.locator("#report-status").inner_text()
    assert "STALE" in status and "older than the oracle's maximum age" in status
    assert "no longer prove the reserves" in status
    states = {r.inner_text().strip().lower() for r in page.locator("#reserves [data-field='state']").all()}
    assert states == {"stale"}
    page.goto(server.url + "/")
    assert page.locator(f"#indices tr[data-symbol='{SYMBOL}'] [data-field='report-state']").inner_text().lower() == "stale"
