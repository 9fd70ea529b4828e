"""One connected session: the project, the chain, the deployments file and accounts by role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssi.chain.localchain import MockAssets
from ssi.ops.book import Book, book_path, load_book
from ssi.ops.errors import OpsError
from ssi.chain.protocol import Deployment

# Who does what on the local chain: Ape's test accounts, in the order of tests/conftest.py.
LOCAL_ROLES: dict[str, int] = {
    "admin": 0,
    "guardian": 1,
    "compiler": 2,
    "wlp": 3,
    "pmm": 4,
    "custodian": 5,  # first custodian signer; the next two follow
    "treasury": 8,
    "custodian_wallet": 9,  # also the USSI's custody
    "ussi_operator": 4,  # the PMM settles USSI mints and fills its redemptions
    "ussi_signer": 10,  # first USSI strategy signer; the next follows
}
LOCAL_SIGNERS = (5, 6, 7)
LOCAL_USSI_SIGNERS = (10, 11)


@dataclass
class Session:
    """What every role operation works with."""

    project: Any
    chain: Any
    accounts: Any
    ecosystem: str
    network: str
    book_file: Path | None = None  # None: keep the book in memory (the demo)
    _book: Book | None = field(default=None, repr=False)
    start_block: int = 0  # the head when the session connected: what it sent is mined after it
    senders: set[str] = field(default_factory=set)  # lower-case addresses of the accounts it used
    ephemeral: bool = False  # the node was started for this process and stops with it

    @classmethod
    def connect(cls, project: Any, chain: Any, accounts: Any, provider: Any, *, in_memory: bool = False) -> Session:
        net = provider.network
        eco, name = net.ecosystem.name, net.name
        # Ape's local provider starts a node of its own unless it finds one at its host.
        ephemeral = name == "local" and getattr(provider, "process", None) is not None
        return cls(project, chain, accounts, eco, name, None if in_memory else book_path(eco, name),
                   start_block=int(chain.blocks.height), ephemeral=ephemeral)

    # -- network -----------------------------------------------------------------------------

    @property
    def network_choice(self) -> str:
        return f"{self.ecosystem}:{self.network}"

    @property
    def is_local(self) -> bool:
        return self.network == "local"

    @property
    def chain_id(self) -> int:
        return int(self.chain.chain_id)

    def genesis_hash(self) -> str:
        return self.chain.blocks[0].hash.hex()

    def now(self) -> int:
        """Timestamp of the latest block."""
        return int(self.chain.blocks.head.timestamp)

    def next_timestamp(self) -> int:
        """Timestamp the next transaction will (at least) see."""
        return int(self.chain.pending_timestamp)

    # -- deployments file ------------------------------------------------------------------

    @property
    def book(self) -> Book:
        if self._book is None:
            if self.book_file is None:
                raise OpsError(f"no deployment on {self.network_choice}: run `ape run deploy` first")
            book = load_book(self.book_file)
            self._check(book)
            self._book = book
        return self._book

    def set_book(self, book: Book) -> None:
        self._book = book
        if self.book_file is not None:
            book.save(self.book_file)

    def reload_book(self) -> None:
        """Forget the deployments file read so far: the next use reads it again (another process wrote it)."""
        if self.book_file is not None:
            self._book = None

    def save(self) -> None:
        if self.book_file is not None and self._book is not None:
            self._book.save(self.book_file)

    def _check(self, book: Book) -> None:
        where = self.book_file or "the deployment"
        if book.chain_id != self.chain_id:
            raise OpsError(f"wrong network: {where} is for chain {book.chain_id}, connected to chain {self.chain_id}")
        genesis = self.genesis_hash()
        if book.genesis_hash != genesis:
            raise OpsError(
                f"wrong network: {where} was written on another chain with the same id {book.chain_id} "
                f"(its genesis block is {_short(book.genesis_hash)}, this chain's is {_short(genesis)}): "
                "the local node restarted? keep one node running (`make node`) and deploy again"
            )
        registry = book.protocol["registry"]
        if not self.chain.provider.get_code(registry):
            raise OpsError(f"wrong network: {where} names a registry at {registry}, and this chain has no code there")

    # -- contracts ---------------------------------------------------------------------------

    @property
    def deployment(self) -> Deployment:
        p = self.book.protocol
        return Deployment(
            registry=self.project.BasketRegistry.at(p["registry"]),
            oracle=self.project.ReserveOracle.at(p["oracle"]),
            issuer=self.project.Issuer.at(p["issuer"]),
            factory=self.project.Factory.at(p["factory"]),
            token_implementation=p["token_implementation"],
            chain_id=self.chain_id,
            timelock=self.project.Timelock.at(p["timelock"]) if p.get("timelock") else None,
        )

    def token(self, symbol: str) -> Any:
        return self.project.IndexToken.at(self.book.index(symbol).address)

    def cash(self) -> Any:
        return self.project.MockERC20.at(self.book.cash_token["address"])

    def mock_assets(self) -> MockAssets:
        if not self.book.local.get("assets"):
            raise OpsError(f"{self.network_choice} has no mock assets: only the local chain moves assets itself")
        return MockAssets({s: self.project.MockERC20.at(a) for s, a in self.book.local["assets"].items()})

    def custodian_wallet(self) -> str:
        wallet = self.book.local.get("custodian_wallet")
        if not wallet:
            raise OpsError(f"{self.network_choice} has no custodian wallet: pass --holdings FILE")
        return str(wallet)

    # -- accounts ----------------------------------------------------------------------------

    def account(self, alias: str | None, role: str, offset: int = 0) -> Any:
        """The account behind ``--account ALIAS``; on the local chain the role's test account by default.

        Aliases: a keyfile alias of ``ape accounts``, or ``TEST::n`` for Ape's n-th test account."""
        account = self._account(alias, role, offset)
        self.senders.add(str(account.address).lower())
        return account

    def _account(self, alias: str | None, role: str, offset: int) -> Any:
        if alias is None:
            if not self.is_local:
                raise OpsError(f"--account is required on {self.network_choice} (the {role}'s Ape account alias)")
            return self.accounts.test_accounts[LOCAL_ROLES[role] + offset]
        if alias.upper().startswith("TEST::"):
            try:
                return self.accounts.test_accounts[int(alias[6:])]
            except (ValueError, IndexError):
                raise OpsError(f"unknown account {alias!r}") from None
        if alias not in set(self.accounts.aliases):
            raise OpsError(f"unknown account {alias!r} (see `ape accounts list`)")
        return self.accounts.load(alias)

    def signers(self, aliases: tuple[str, ...] | list[str]) -> list[Any]:
        """Custodian signer accounts; on the local chain the first ``threshold`` test signers by default."""
        if aliases:
            return [self.account(a, "custodian") for a in aliases]
        if not self.is_local:
            raise OpsError(f"--signer is required on {self.network_choice} (one per custodian signer)")
        chosen = [self.accounts.test_accounts[i] for i in LOCAL_SIGNERS[:2]]
        self.senders.update(str(a.address).lower() for a in chosen)
        return chosen

    def address_of(self, value: str | None, role: str) -> str:
        """An address given as 0x…, an account alias, or the local role's test account."""
        if value is not None and value.startswith("0x") and len(value) == 42:
            return value
        return str(self.account(value, role).address)


def _short(value: str) -> str:
    value = value if value.startswith("0x") else "0x" + value
    return value[:10] + "…"


def iso(ts: int) -> str:
    """A timestamp as ISO-8601 UTC, to the second."""
    return dt.datetime.fromtimestamp(int(ts), dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
