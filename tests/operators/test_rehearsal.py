"""The rehearsal on anvil with Base's chain id (docs/networks.md), run as written.

The test owns its node: ``anvil --port <free port> --accounts 12 --chain-id 8453``. It runs
``tools/rehearse-base.sh`` against it (the deploy, the PMM, custodian and keeper as three
``silverback run`` processes, then only the WLP's commands), and checks what the chain and the
bots' logs say afterwards: chain 8453 in the deployments file and in every EIP-712 domain, the mint
settled and the redemption filled, each bot's action, and that every transaction on the chain was
the deploy's, the WLP's or one a bot logged. The documented block must be the script's own lines,
so that what docs/networks.md shows is what runs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from ssi.chain.eip712 import ISSUER_DOMAIN, ORACLE_DOMAIN, Domain, digest, signable
from ssi.ops.trading import QuoteFile
from tests.flows.doc_blocks import block
from tests.processes import stop_group

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "rehearse-base.sh"
DOC = ROOT / "docs" / "networks.md"
BASE = 8453
ANVIL_DEFAULT = 31337
SETTLED = 3  # Issuer.request_status: a settled mint, a filled redemption
# A bot's log line names every transaction it sent: "... -> Issuer.settle_mint 0x1c8d...f3 block 48".
SENT = re.compile(r"(\w+\.\w+) (0x[0-9a-fA-F]{64}) block (\d+)")
APE_RUN = re.compile(r"\bape run (\w[\w-]*)(?: (\w[\w-]*))?")


def script_block() -> list[str]:
    lines = SCRIPT.read_text().splitlines()
    return lines[lines.index("# --- rehearsal: begin ---") + 1:lines.index("# --- rehearsal: end ---")]


def _ape_commands(lines: list[str]) -> list[tuple[str, ...]]:
    """Every `ape run SCRIPT [COMMAND]` in the lines (comments aside), in order: ("wlp", "mint"), ("deploy",)."""
    found = []
    for line in lines:
        code = line.split(" #")[0] if not line.lstrip().startswith("#") else ""
        found += [tuple(w for w in m if w) for m in APE_RUN.findall(code)]
    return found


def test_rehearsal_block__is_the_script_s_own_lines_and_after_the_deploy_only_the_wlp_commands():
    shown = block("rehearsal", DOC.read_text())
    assert shown == script_block(), "docs/networks.md's rehearsal block differs from tools/rehearse-base.sh's"
    assert _ape_commands(shown) == [("deploy",), ("pmm", "quote"), ("wlp", "mint"), ("pmm", "quote"), ("wlp", "redeem")]
    for role in ("pmm", "custodian", "keeper"):
        assert sum(line.startswith(f"silverback run {role} ") for line in shown) == 1, f"silverback run {role}"
    # Outside the block the script only reads: the waits' status commands.
    outside = [line for line in SCRIPT.read_text().splitlines() if line not in shown]
    assert set(_ape_commands(outside)) == {("wlp", "status"), ("index", "status")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen) -> None:
    """SIGINT to the process group (the script stops its bots on it), SIGKILL if it lingers."""
    stop_group(proc, signal.SIGINT, grace=30)


@pytest.fixture
def base_node():
    """An anvil of the test's own that reports Base's chain id; its URL."""
    anvil = ROOT / "node_modules" / ".bin" / "anvil"
    assert anvil.exists(), "anvil not found (make setup)"
    port = _free_port()
    # Its own process group: the npm launcher starts the anvil binary as a child, and both must stop.
    proc = subprocess.Popen([str(anvil), "--port", str(port), "--accounts", "12", "--chain-id", str(BASE)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield f"http://127.0.0.1:{port}"  # the script waits for it to answer
    finally:
        stop_group(proc)


def _contract(w3: Web3, project: Any, name: str, address: str) -> Any:
    abi = getattr(project, name).contract_type.model_dump(mode="json", by_alias=True)["abi"]
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def _sent(log: str) -> list[tuple[str, str, int]]:
    return [(call, tx.lower(), int(b)) for call, tx, b in SENT.findall(log)]


def test_rehearsal__chain_8453__the_bots_settle_the_mint_and_fill_the_redemption_after_only_the_wlp_s_commands(
        base_node, tmp_path, project):
    work = tmp_path / "rehearsal"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SSI_", "SILVERBACK_")) and k != "APE_FOUNDRY_HOST"}
    env.update(APE_FOUNDRY_HOST=base_node, SSI_REHEARSAL_DIR=str(work), SSI_REHEARSAL_TIMEOUT="60")
    started = time.monotonic()
    # Output to files, not pipes: a process the script left behind cannot hold the test up.
    with (tmp_path / "out.txt").open("w") as stdout, (tmp_path / "err.txt").open("w") as stderr:
        proc = subprocess.Popen([str(SCRIPT)], cwd=ROOT, env=env, stdout=stdout, stderr=stderr,
                                start_new_session=True)
    try:
        proc.wait(timeout=300)
    except subprocess.TimeoutExpired:
        pass
    finally:
        _stop(proc)
    seconds = time.monotonic() - started
    out, err = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
    assert seconds < 300, f"the rehearsal took over 300 s:\n{err[-3000:]}"
    assert proc.returncode == 0, f"tools/rehearse-base.sh exited {proc.returncode}:\n{err[-3000:]}\n{out[-2000:]}"

    # The deployments file, the deploy's output and the node: chain 8453.
    book = json.loads((work / "deployments" / "local.json").read_text())
    deployed = json.loads((work / "deploy.json").read_text())
    assert book["chain_id"] == BASE and deployed["chain_id"] == BASE
    w3 = Web3(Web3.HTTPProvider(base_node))
    assert w3.eth.chain_id == BASE

    issuer = _contract(w3, project, "Issuer", book["protocol"]["issuer"])
    oracle = _contract(w3, project, "ReserveOracle", book["protocol"]["oracle"])
    mint, redeem = (json.loads((work / f).read_text()) for f in ("mint.json", "redeem.json"))
    assert issuer.functions.request_status(mint["id"]).call() == SETTLED
    assert issuer.functions.request_status(redeem["id"]).call() == SETTLED
    assert (mint["side"], redeem["side"]) == ("mint", "redeem")
    # The custodian bot recorded its release where `ape run custodian release` looks: paid, not pending.
    assert [k for k in book["local"].get("released", []) if k.startswith(f"fill:{redeem['id']}:")]

    # Each bot acted, and said so with the transactions it sent.
    logs = {role: (work / f"{role}.log").read_text() for role in ("pmm", "custodian", "keeper")}
    sent = {role: _sent(text) for role, text in logs.items()}
    assert f"pmm: deliver mint request {mint['id']} (10 shares) -> " in logs["pmm"]
    assert f"pmm: fill redeem request {redeem['id']} (10 shares) -> " in logs["pmm"]
    assert f"keeper: settle mint request {mint['id']} -> Issuer.settle_mint 0x" in logs["keeper"]
    assert f" for RedeemFilled {redeem['id']} -> MockERC20.transfer 0x" in logs["custodian"]
    calls = {role: [call for call, _, _ in s] for role, s in sent.items()}
    assert "Issuer.deliver_mint" in calls["pmm"] and "Issuer.fill_redeem" in calls["pmm"]
    assert calls["keeper"].count("Issuer.settle_mint") == 1
    # one report after the delivery, one after the fill's release (releases first, then the report)
    assert calls["custodian"].count("ReserveOracle.post_report") == 2
    assert calls["custodian"][-1] == "ReserveOracle.post_report"
    fill_block = next(b for call, _, b in sent["pmm"] if call == "Issuer.fill_redeem")
    release_blocks = [b for call, _, b in sent["custodian"] if call == "MockERC20.transfer"]
    last_report = max(b for call, _, b in sent["custodian"] if call == "ReserveOracle.post_report")
    assert release_blocks and fill_block < min(release_blocks) and max(release_blocks) < last_report

    # Nobody else acted: every transaction on the chain is the deploy's, the WLP's or one a bot logged,
    # and each of them succeeded (the reports' signatures verified by the oracle, under chain 8453).
    by_bots = {tx for s in sent.values() for _, tx, _ in s}
    by_wlp = {t["hash"].lower() for r in (mint, redeem) for t in r["transactions"]}
    by_deploy = {t["hash"].lower() for t in deployed["transactions"]}
    on_chain = {tx.to_0x_hex().lower() for n in range(1, w3.eth.block_number + 1)
                for tx in w3.eth.get_block(n)["transactions"]}
    assert on_chain == by_deploy | by_wlp | by_bots
    assert all(w3.eth.get_transaction_receipt(tx)["status"] == 1 for tx in by_bots | by_wlp)

    # EIP-712: both contracts' domains are chain 8453; the quote's domain too, and its signature is the
    # PMM's under chain 8453 only, over the digest the Issuer computes on chain.
    for contract, name in ((issuer, ISSUER_DOMAIN), (oracle, ORACLE_DOMAIN)):
        _, domain_name, _, chain_id, verifying, _, _ = contract.functions.eip712Domain().call()
        assert (domain_name, chain_id, verifying) == (name, BASE, contract.address)
    qf = QuoteFile.from_json(json.loads((work / "q.json").read_text()))
    assert qf.chain_id == BASE and qf.issuer == issuer.address
    on_base = Domain(ISSUER_DOMAIN, BASE, issuer.address)
    assert issuer.functions.quote_digest(qf.quote.as_tuple()).call() == digest(on_base, qf.quote)
    assert Account.recover_message(signable(on_base, qf.quote), signature=qf.signature) == mint["pmm"]
    elsewhere = Domain(ISSUER_DOMAIN, ANVIL_DEFAULT, issuer.address)
    assert Account.recover_message(signable(elsewhere, qf.quote), signature=qf.signature) != mint["pmm"]

    # The latency the script measured, with the bots as three processes.
    figures = dict(re.findall(r"^\s+(mint, request to settlement|redemption, request to fill): ([\d.]+) s", out, re.M))
    assert set(figures) == {"mint, request to settlement", "redemption, request to fill"}, out[-2000:]
    assert all(0 < float(v) < 60 for v in figures.values())
    print(f"\nrehearsal on chain {BASE} in {seconds:.0f} s; " + "; ".join(f"{k} {v} s" for k, v in figures.items()))
