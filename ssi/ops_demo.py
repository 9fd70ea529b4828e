"""The short protocol story behind `make demo`: deploy → mint → reserve report → settle → redeem."""

from __future__ import annotations

from typing import Any, Callable

from ssi.eip712 import MINT, REDEEM, ApeSigner
from ssi.localchain import custodian_holdings, deliver, deploy_mock_assets, release
from ssi.protocol import (
    UNIT_SCALE,
    IndexSpec,
    create_index,
    deploy_protocol,
    fee_rate_from_annual,
    post_report,
    quote_for,
    register_assets,
    request_of,
    required_reserve,
)

# A small illustrative basket: 0.0001 BTC, 0.003 ETH, 0.05 SOL per share.
BASKET = [("BTC", 8, 10**4), ("ETH", 18, 3 * 10**15), ("SOL", 9, 5 * 10**7)]
PRICES = {"BTC": 100_000.0, "ETH": 3_300.0, "SOL": 200.0}


def run_demo(project: Any, chain: Any, accounts: Any, echo: Callable[[str], None]) -> dict[str, Any]:
    admin, guardian, compiler, wlp, pmm, c1, c2, c3, treasury, anyone = list(accounts)[:10]
    custodian = c3  # the custodian's wallet; c1 and c2 sign its reports
    step = iter(range(1, 100))

    def say(text: str) -> None:
        echo(f"[{next(step):>2}] {text}")

    say("deploy the protocol (registry, oracle, issuer, token implementation, factory)")
    usdc = project.MockERC20.deploy("USD Coin", "USDC", 6, sender=admin)
    dep = deploy_protocol(project, admin, guardian.address, chain.chain_id)
    assets = deploy_mock_assets(project, admin, [(s, d) for s, d, _ in BASKET])
    register_assets(dep, admin, [(s, d) for s, d, _ in BASKET])
    units = [u * UNIT_SCALE for _, _, u in BASKET]
    spec = IndexSpec(
        name="Demo Index", symbol="DEMO.ssi", assets=[s for s, _, _ in BASKET], units=units,
        compiler=compiler.address, signers=[c1.address, c2.address, c3.address], threshold=2,
        cash_token=usdc.address, treasury=treasury.address,
        management_fee_rate=fee_rate_from_annual(0.0095),
    )
    token = create_index(project, dep, admin, spec)
    dep.issuer.set_wlp(token, wlp, True, sender=admin)
    dep.issuer.set_pmm(token, pmm, True, sender=admin)
    nav = sum(u / 10**d * PRICES[s] for s, d, u in BASKET)
    say(f"index {token.symbol()} at {token.address}: NAV ${nav:,.2f} per share")

    shares = 100 * 10**18
    cash = int(nav * 100 * 10**6)
    quote, sig = quote_for(dep, ApeSigner(pmm), index=str(token.address), side=MINT, shares=shares,
                           cash=cash, cash_token=str(usdc.address), wlp=str(wlp.address),
                           deadline=chain.pending_timestamp + 600, nonce=1)
    fee = int(dep.issuer.creation_fee(token, cash))
    usdc.mint(wlp, cash + fee, sender=wlp)
    usdc.approve(dep.issuer, cash + fee, sender=wlp)
    request = request_of(dep.issuer.request_mint(quote.as_tuple(), sig, fee, sender=wlp), dep)
    say(f"WLP requests 100 shares for {cash / 1e6:,.2f} USDC + fee {fee / 1e6:,.2f} (request {request.id})")

    amounts = {s: required_reserve(shares, u) for (s, _, _), u in zip(BASKET, units)}
    deliver(assets, pmm, custodian.address, amounts)
    dep.issuer.deliver_mint(request.as_tuple(), b"\x01" * 32, sender=pmm)
    say("PMM buys the basket, delivers it to the custodian and records the delivery")

    chain.mine(timestamp=chain.pending_timestamp + 60)
    holdings = custodian_holdings(assets, custodian.address, [s for s, _, _ in BASKET])
    post_report(dep, [ApeSigner(c1), ApeSigner(c2)], anyone, index=str(token.address), version=1,
                balances=holdings, as_of=chain.pending_timestamp - 1)
    say(f"custodian signers (2 of 3) post a reserve report: {dict(zip(amounts, holdings))}")

    dep.issuer.settle_mint(request.as_tuple(), sender=anyone)
    say(f"settled: WLP holds {token.balanceOf(wlp) / 1e18:,.2f} {token.symbol()}, PMM paid")

    quote, sig = quote_for(dep, ApeSigner(pmm), index=str(token.address), side=REDEEM, shares=shares // 2,
                           cash=cash // 2, cash_token=str(usdc.address), wlp=str(wlp.address),
                           deadline=chain.pending_timestamp + 600, nonce=2)
    token.approve(dep.issuer, shares // 2, sender=wlp)
    rfee = int(dep.issuer.redemption_fee(token, cash // 2))
    redeem = request_of(dep.issuer.request_redeem(quote.as_tuple(), sig, rfee, sender=wlp), dep)
    say(f"WLP requests to redeem 50 shares for {cash / 2e6:,.2f} USDC (request {redeem.id})")
    usdc.mint(pmm, cash // 2, sender=pmm)
    usdc.approve(dep.issuer, cash // 2, sender=pmm)
    receipt = dep.issuer.fill_redeem(redeem.as_tuple(), sender=pmm)
    released = list(receipt.decode_logs(dep.issuer.RedeemFilled)[0].units)
    release(assets, custodian, pmm.address, dict(zip(amounts, released)))
    say(f"PMM fills; shares burned; custodian releases {dict(zip(amounts, released))} to the PMM")

    summary = {
        "supply": token.totalSupply() / 1e18,
        "nav_per_share": nav,
        "treasury_fees_usdc": usdc.balanceOf(treasury) / 1e6,
        "issuer_escrow_usdc": dep.issuer.escrowed(usdc) / 1e6,
    }
    echo("\nsummary")
    for key, value in summary.items():
        echo(f"  {key:<20} {value:,.6f}")
    return summary
