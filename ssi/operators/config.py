"""Operators from the environment: the one place the bots read their settings.

Every setting is an environment variable (Silverback's own settings are too, ``SILVERBACK_*``),
so the same bot files run on the local chain and on Base with a different ``.env``:

| variable | operator | meaning | default |
|---|---|---|---|
| ``SSI_PMM_ACCOUNT`` | pmm | Ape account alias of the PMM | local: test account 4 |
| ``SSI_PMM_MAX_SHARES`` | pmm | largest request it takes, in shares | none |
| ``SSI_PMM_MAX_OPEN_SHARES`` | pmm | most delivered-unsettled shares per index | none |
| ``SSI_PMM_MIN_SECONDS_LEFT`` | pmm | refuse a quote expiring sooner | 0 |
| ``SSI_CUSTODIAN_ACCOUNT`` | custodian | sender of reports (and, locally, releases come from the custodian wallet) | local: first signer |
| ``SSI_CUSTODIAN_SIGNERS`` | custodian | comma-separated signer aliases (M of N) | local: test accounts 5, 6 |
| ``SSI_CUSTODIAN_WAIT_BLOCKS`` | custodian | deliberate wait after a delivery before reporting | 0 |
| ``SSI_CUSTODIAN_HOLDINGS`` | custodian | holdings JSON file (outside the local chain) | local: the wallet |
| ``SSI_KEEPER_ACCOUNT`` | keeper | who sends settle, activate and accrue | local: test account 0 |
| ``SSI_KEEPER_FEE_EVERY`` | keeper | seconds of chain time between two fee accruals | 86400 |
| ``SSI_KEEPER_FEE_CRON`` | keeper | when Silverback asks for the accrual (cron) | ``0 * * * *`` |
| ``SSI_ARB_ACCOUNT`` | arbitrage | the WLP account it trades as | local: test account 3 |
| ``SSI_ARB_QUOTER`` | arbitrage | the PMM account whose quoting service prices its requests | local: test account 4 |
| ``SSI_ARB_INDEX`` | arbitrage | the index it holds at NAV (symbol or methodology) | the only index deployed |
| ``SSI_ARB_POOL`` | arbitrage | the pool's address | local: the one ``ape run arb pool`` recorded |
| ``SSI_ARB_PRICES`` | arbitrage | JSON file of USD prices by symbol, re-read on change | none |
| ``SSI_ARB_PRICES_MAX_AGE`` | arbitrage | seconds after which the prices file counts as stale (refused) | 300 |
| ``SSI_ARB_PRICES_DATE`` | arbitrage | else: the bundled closes of this day | local: 2025-01-31 |
| ``SSI_ARB_MAX_SHARES`` | arbitrage | largest round, in shares | the issuer's maximum |
| ``SSI_ARB_SPREAD_BPS`` | arbitrage | the PMM's quote spread the plan allows for | 20 |
| ``SSI_ARB_GAS_GWEI`` | arbitrage | gas price a round's profit is planned with | 1 |
| ``SSI_ARB_NATIVE_PRICE`` | arbitrage | USD per native token (else the feed's ETH) | none |
| ``SSI_OPERATOR_STATE`` | all | directory of the journals | ``.operators`` |
| ``SSI_DEPLOYMENTS_DIR`` | all | directory of the deployments files | ``deployments`` |
"""

from __future__ import annotations

import datetime as dt
import math
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ssi.ops.errors import OpsError
from ssi.ops.session import Session
from ssi.operators.arbitrage import ArbitrageOperator, ArbSettings, PriceFeed
from ssi.operators.custodian import CustodianOperator
from ssi.operators.keeper import KeeperOperator
from ssi.operators.pmm import PmmLimits, PmmOperator


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _shares(name: str) -> int | None:
    raw = _env(name)
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise OpsError(f"{name}={raw!r} is not a number of shares") from None
    if not value.is_finite() or value <= 0:
        raise OpsError(f"{name}={raw!r}: must be a positive number of shares")
    return int(value * 10**18)


def _number(name: str, default: float | None, *, positive: bool = False) -> float | None:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise OpsError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise OpsError(f"{name}={raw!r}: must be {'positive' if positive else 'zero or more'}")
    return value


def _int(name: str, default: int) -> int:
    raw = _env(name)
    try:
        return default if raw is None else int(raw)
    except ValueError:
        raise OpsError(f"{name}={raw!r} is not a whole number") from None


def connect() -> Session:
    """A session on the network Ape (or Silverback) is connected to, with its deployments file."""
    from ape import accounts, chain, project

    s = Session.connect(project, chain, accounts, chain.provider)
    _ = s.book  # refuses now, at start-up, when the deployments file is missing or of another chain
    return s


def pmm_from_env(s: Session) -> PmmOperator:
    limits = PmmLimits(max_shares=_shares("SSI_PMM_MAX_SHARES"), max_open_shares=_shares("SSI_PMM_MAX_OPEN_SHARES"),
                       min_seconds_left=_int("SSI_PMM_MIN_SECONDS_LEFT", 0))
    return PmmOperator(s, s.account(_env("SSI_PMM_ACCOUNT"), "pmm"), limits)


def custodian_from_env(s: Session) -> CustodianOperator:
    aliases = [a.strip() for a in (_env("SSI_CUSTODIAN_SIGNERS") or "").split(",") if a.strip()]
    signers = s.signers(aliases)
    account = _env("SSI_CUSTODIAN_ACCOUNT")
    sender: Any = s.account(account, "custodian") if account else signers[0]
    return CustodianOperator(s, sender, signers, wait_blocks=_int("SSI_CUSTODIAN_WAIT_BLOCKS", 0),
                             holdings_file=_env("SSI_CUSTODIAN_HOLDINGS"))


def keeper_from_env(s: Session) -> KeeperOperator:
    return KeeperOperator(s, s.account(_env("SSI_KEEPER_ACCOUNT"), "admin"),
                          fee_every=_int("SSI_KEEPER_FEE_EVERY", 86_400))


def arbitrage_from_env(s: Session) -> ArbitrageOperator:
    from ssi.ops.pool import locator, pool_of

    indices = list(s.book.indices.values())
    wanted = _env("SSI_ARB_INDEX")
    if wanted is None and len(indices) != 1:
        raise OpsError(f"SSI_ARB_INDEX is required: {len(indices)} indices are deployed on {s.network_choice}")
    symbol = s.book.index(wanted).symbol if wanted else indices[0].symbol
    path, day = _env("SSI_ARB_PRICES"), _env("SSI_ARB_PRICES_DATE")
    if path and day:
        raise OpsError("set SSI_ARB_PRICES or SSI_ARB_PRICES_DATE, not both")
    if path:
        feed = PriceFeed(path=Path(path), max_age=_number("SSI_ARB_PRICES_MAX_AGE", 300.0, positive=True))
    else:
        if day is None and not s.is_local:
            raise OpsError(f"SSI_ARB_PRICES is required on {s.network_choice} (a JSON file of USD prices by symbol)")
        try:
            feed = PriceFeed(day=dt.date.fromisoformat(day or "2025-01-31"))
        except ValueError:
            raise OpsError(f"SSI_ARB_PRICES_DATE={day!r} is not a date (YYYY-MM-DD)") from None
    spread = _number("SSI_ARB_SPREAD_BPS", 20.0)
    if spread is not None and spread >= 10_000:
        raise OpsError(f"SSI_ARB_SPREAD_BPS={spread:g}: must be below 10000")
    gwei = _number("SSI_ARB_GAS_GWEI", 1.0)
    settings = ArbSettings(spread_bps=float(spread or 0.0), max_shares=_shares("SSI_ARB_MAX_SHARES"),
                           gas_price_wei=int(float(gwei or 0.0) * 10**9),
                           native_price=_number("SSI_ARB_NATIVE_PRICE", None, positive=True))
    try:
        pool = pool_of(s, symbol)
    except OpsError:
        pool = None  # the operator waits for it (logged once), looking on every block
    return ArbitrageOperator(s, s.account(_env("SSI_ARB_ACCOUNT"), "wlp"), s.account(_env("SSI_ARB_QUOTER"), "pmm"),
                             symbol, pool, feed, settings, locate=locator(s, symbol))


def fee_cron() -> str:
    return _env("SSI_KEEPER_FEE_CRON") or "0 * * * *"
