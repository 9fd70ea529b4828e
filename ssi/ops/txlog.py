"""What a command sent: every transaction of its accounts since it connected, for the desk's records.

The transactions are read back from the blocks mined since the session connected, keeping
those sent by an account the command used; nothing has to be threaded through the code that
sends them (``ssi.chain`` helpers included).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ssi.ops.session import Session, iso
from ssi.ops.tables import table


@dataclass(frozen=True)
class Sent:
    """One mined transaction."""

    call: str  # Contract.method, or "transfer"
    hash: str
    block: int
    time: str  # ISO-8601 UTC of the block
    gas_used: int
    sender: str
    status: str  # "ok" or "reverted"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def hex_str(value: Any) -> str:
    """A hash as Ape or web3 gives it (``HexBytes``, ``bytes`` or ``str``) as a ``0x`` string."""
    return value if isinstance(value, str) else "0x" + bytes(value).hex()


def _label(s: Session, to: str | None, data: bytes, cache: dict[str, Any]) -> str:
    if not to:
        return "deploy"
    if len(data) < 4:
        return "transfer"
    if to not in cache:
        try:
            cache[to] = s.chain.contracts.get(to)
        except Exception:  # noqa: BLE001 - an unknown contract is labelled by its address
            cache[to] = None
    ct = cache[to]
    selector = "0x" + data[:4].hex()
    if ct is not None:
        abi = ct.identifier_lookup.get(selector)
        if abi is not None and getattr(abi, "name", None):
            return f"{ct.name}.{abi.name}"
    return f"{to[:10]}… {selector}"


def sent(s: Session, since: int | None = None) -> list[Sent]:
    """Transactions mined after block ``since`` (default: since the session connected), from the
    accounts it used, in order."""
    start = s.start_block if since is None else since
    head = int(s.chain.blocks.height)
    if head <= start or not s.senders:
        return []
    web3 = s.chain.provider.web3
    contracts: dict[str, Any] = {}
    out: list[Sent] = []
    for number in range(start + 1, head + 1):
        block = web3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            sender = str(tx["from"])
            if sender.lower() not in s.senders:
                continue
            receipt = web3.eth.get_transaction_receipt(tx["hash"])
            to = str(tx["to"]) if tx.get("to") else None
            out.append(Sent(_label(s, to, bytes(tx["input"]), contracts), hex_str(tx["hash"]), number,
                            iso(int(block["timestamp"])), int(receipt["gasUsed"]), sender,
                            "ok" if int(receipt["status"]) == 1 else "reverted"))
    return out


def render_sent(txs: list[Sent]) -> str:
    if not txs:
        return "no transaction sent"
    rows = [(t.call, t.hash, t.block, t.time, f"{t.gas_used:,}", t.status) for t in txs]
    return table(["transaction", "hash", "block", "time", "gas used", "status"], rows,
                 title=f"{len(txs)} transaction(s) sent, {sum(t.gas_used for t in txs):,} gas in all:")
