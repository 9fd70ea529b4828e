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
| ``SSI_OPERATOR_STATE`` | all | directory of the journals | ``.operators`` |
| ``SSI_DEPLOYMENTS_DIR`` | all | directory of the deployments files | ``deployments`` |
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from typing import Any

from ssi.ops.errors import OpsError
from ssi.ops.session import Session
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


def fee_cron() -> str:
    return _env("SSI_KEEPER_FEE_CRON") or "0 * * * *"
