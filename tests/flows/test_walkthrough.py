"""docs/operations.md's walkthrough, run as written: every command in its own `ape run` process.

The test owns its node: it starts `anvil --port <free port> --accounts 12`, points Ape at it with
APE_FOUNDRY_HOST and runs the walkthrough's commands in order from a scratch directory that links
to the project (so the quote and signature files the commands write stay out of the repository),
with a scratch deployments directory. Each command must exit 0. The block is the one after the
`<!-- walkthrough: ... -->` marker (tests/flows/doc_blocks.py); every line in it that is not a
comment must be an `ape run` command, so nothing in the block goes unexecuted.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import stop_group

ROOT = Path(__file__).resolve().parents[2]
LINKED = ("ape-config.yaml", "pyproject.toml", "contracts", "scripts", ".build")


def _doc_blocks():
    spec = importlib.util.spec_from_file_location("ops_doc_blocks", Path(__file__).with_name("doc_blocks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def walkthrough_commands() -> list[list[str]]:
    return _doc_blocks().commands("walkthrough")


def test_walkthrough_block__is_commands_only_and_covers_every_role():
    commands = walkthrough_commands()
    scripts = [c[2] for c in commands]
    assert scripts[0] == "deploy"
    for needed in (["pmm", "trade"], ["custodian", "report", "--index", "MAG7", "--version", "pending"],
                   ["chain", "advance"], ["custodian", "sign"], ["custodian", "post"], ["compiler", "activate"],
                   ["custodian", "release"], ["index", "collect-fee"], ["wlp", "cancel"], ["pmm", "reject"]):
        assert any(c[2:2 + len(needed)] == needed for c in commands), f"the walkthrough lacks {' '.join(needed)}"
    # redeem.json is made by a redeem quote before the WLP uses it
    made = next(i for i, c in enumerate(commands) if c[2:4] == ["pmm", "quote"] and "redeem.json" in c)
    used = next(i for i, c in enumerate(commands) if c[2:4] == ["wlp", "redeem"])
    assert made < used
    # cancel and reject act on different requests
    rejected = {c[c.index("--request") + 1] for c in commands if c[2:4] == ["pmm", "reject"]}
    cancelled = {c[c.index("--request") + 1] for c in commands if c[2:4] == ["wlp", "cancel"]}
    assert rejected and cancelled and not rejected & cancelled


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"anvil exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"anvil did not listen on port {port}")


@pytest.fixture
def node(tmp_path):
    """A persistent anvil of the test's own, and a scratch directory that links to the project."""
    anvil = shutil.which("anvil", path=f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    assert anvil, "anvil not found (make setup)"
    port = _free_port()
    # Its own process group: the npm launcher starts the anvil binary as a child, and both must stop.
    proc = subprocess.Popen([anvil, "--port", str(port), "--accounts", "12"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(port, proc)
        work = tmp_path / "desk"
        work.mkdir()
        for name in LINKED:
            if (ROOT / name).exists():
                (work / name).symlink_to(ROOT / name)
        env = {k: v for k, v in os.environ.items() if k not in ("SSI_VERBOSE",)}
        env["APE_FOUNDRY_HOST"] = f"http://127.0.0.1:{port}"
        env["SSI_DEPLOYMENTS_DIR"] = str(tmp_path / "deployments")
        env["PATH"] = f"{Path(anvil).parent}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        yield work, env
    finally:
        stop_group(proc)


def test_walkthrough__every_command_runs_as_written_in_its_own_process(node):
    work, env = node
    ape = str(Path(sys.executable).parent / "ape")
    timings = []
    for args in walkthrough_commands():
        started = time.monotonic()
        done = subprocess.run([ape, *args[1:]], cwd=work, env=env, capture_output=True, text=True, timeout=300)
        timings.append((time.monotonic() - started, " ".join(args)))
        assert done.returncode == 0, f"`{' '.join(args)}` exited {done.returncode}:\n{done.stderr}\n{done.stdout}"
    # What the story leaves behind: the redemption released, the fee collected, both refused requests closed.
    assert (work / "redeem.json").is_file() and (work / "sig-a.json").is_file()
    total = sum(t for t, _ in timings)
    print(f"\nwalkthrough: {len(timings)} commands in {total:.0f} s; slowest: "
          + ", ".join(f"{c} {t:.1f} s" for t, c in sorted(timings, reverse=True)[:3]))
