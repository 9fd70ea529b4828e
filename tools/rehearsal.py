"""Helpers of tools/rehearse-base.sh, the rehearsal on anvil with Base's chain id (docs/networks.md).

    rehearsal.py node URL CHAIN_ID SECONDS     wait until the node answers; refuse another chain id
    rehearsal.py clock URL FILE                append "block unix-time" when each block is first seen (until killed)
    rehearsal.py chain-id FILE CHAIN_ID        the JSON file's "chain_id" (deployments file, quote) must be CHAIN_ID
    rehearsal.py status FILE                   the status of FILE's request ("id" of `ape run wlp mint|redeem --json`)
                                               in `ape run wlp status --all --json` on stdin
    rehearsal.py field KEY                     a top-level field of the JSON object on stdin
    rehearsal.py latency CLOCK FILE LOG CALL LABEL
                                               seconds from FILE's request transaction to the first CALL after it
                                               in an operator's LOG, by the block clock

Each refusal is one line on stderr and exit status 1.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.05  # the block clock's resolution


class Refused(Exception):
    """A check that did not hold: its message is the one line printed."""


def rpc(url: str, method: str, params: list[Any] | None = None, timeout: float = 5.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        answer = json.loads(resp.read())
    if "error" in answer:
        raise Refused(f"{method} at {url}: {answer['error']}")
    return answer["result"]


def node(url: str, chain_id: int, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        try:
            found = int(rpc(url, "eth_chainId", timeout=2.0), 16)
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            if time.monotonic() > deadline:
                raise Refused(f"no node answers at {url} after {seconds:.0f} s "
                              f"(start one: anvil --port PORT --accounts 12 --chain-id {chain_id})") from None
            time.sleep(0.2)
    if found != chain_id:
        raise Refused(f"the node at {url} reports chain id {found}, not {chain_id} "
                      f"(start it with --chain-id {chain_id})")
    return f"node {url}: chain id {found}"


def clock(url: str, out: Path) -> None:
    """Record when each new block is first seen; blocks mined between two polls share a time."""
    last = int(rpc(url, "eth_blockNumber"), 16)  # blocks up to here predate the clock: no time for them
    with out.open("a") as f:
        while True:
            try:
                height = int(rpc(url, "eth_blockNumber", timeout=2.0), 16)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                return  # the node is gone: the rehearsal is over
            now = time.time()
            for block in range(last + 1, height + 1):
                f.write(f"{block} {now:.3f}\n")
            f.flush()
            last = max(last, height)
            time.sleep(POLL_SECONDS)


def read_json(path: str) -> Any:
    try:
        return json.loads(sys.stdin.read() if path == "-" else Path(path).read_text())
    except FileNotFoundError:
        raise Refused(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise Refused(f"{path}: not JSON ({exc})") from None


def chain_id(path: str, expected: int) -> str:
    found = read_json(path).get("chain_id")
    if found != expected:
        raise Refused(f"{path} records chain id {found}, not {expected}")
    return f"{path}: chain id {found}"


def status(path: str) -> str:
    request = int(read_json(path)["id"])
    rows = read_json("-")
    return next((str(r["status"]) for r in rows if int(r["id"]) == request), "none")


def field(key: str) -> str:
    value = read_json("-").get(key)
    return "" if value is None else str(value)


def latency(clock_file: str, request_file: str, log_file: str, call: str, label: str) -> str:
    request = read_json(request_file)
    sent = [t for t in request.get("transactions", []) if str(t.get("call", "")).startswith("Issuer.request_")]
    if not sent:
        raise Refused(f"{request_file}: no Issuer.request_* transaction")
    start = int(sent[-1]["block"])
    # an operator's log line: "... -> Issuer.settle_mint 0x1c8d... block 46"
    line = re.compile(rf"{re.escape(call)} 0x[0-9a-fA-F]+\S* block (\d+)")
    blocks = [int(b) for b in line.findall(Path(log_file).read_text())]
    after = [b for b in blocks if b > start]
    if not after:
        raise Refused(f"{log_file}: no {call} after block {start} (request {request['id']})")
    end = min(after)
    times: dict[int, float] = {}
    for line in Path(clock_file).read_text().splitlines():
        block, at = line.split()
        times.setdefault(int(block), float(at))
    missing = [b for b in (start, end) if b not in times]
    if missing:
        raise Refused(f"the block clock has no time for block {missing[0]} (it started after it?)")
    return f"{label}: {times[end] - times[start]:.2f} s (request {request['id']}, blocks {start} -> {end})"


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    try:
        if command == "node" and len(args) == 3:
            print(node(args[0], int(args[1]), float(args[2])))
        elif command == "clock" and len(args) == 2:
            clock(args[0], Path(args[1]))
        elif command == "chain-id" and len(args) == 2:
            print(chain_id(args[0], int(args[1])))
        elif command == "status" and len(args) == 1:
            print(status(args[0]))
        elif command == "field" and len(args) == 1:
            print(field(args[0]))
        elif command == "latency" and len(args) == 5:
            print(latency(*args))
        else:
            print(f"usage: {__doc__}", file=sys.stderr)
            return 2
    except Refused as exc:
        print(f"rehearse-base: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
