"""Drive the role scripts in-process, as a desk would from a shell, for the flows tests.

Each command runs through its click object with click's CliRunner while the test provider is
connected (it goes in as the click context object, which Ape's ConnectedProviderCommand uses
instead of starting a node of its own), so the same code path as `ape run ...` runs.
"""

from __future__ import annotations

import contextlib
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any, Iterator

from ape import networks
from click.testing import CliRunner, Result

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@cache
def cli(name: str) -> Any:
    """The click command of ``scripts/<name>.py``."""
    spec = importlib.util.spec_from_file_location(f"desk_script_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def run(script: str, *args: str, ok: bool = True) -> Result:
    """``ape run <script> <args>``; asserts exit 0 unless ``ok`` is False."""
    result = CliRunner(mix_stderr=False).invoke(cli(script), list(args), obj={"provider": networks.active_provider})
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


@contextlib.contextmanager
def nothing_sent(chain: Any, accounts: Any) -> Iterator[None]:
    """No block mined and no test account's nonce moved inside the block."""
    height = int(chain.blocks.height)
    nonces = [int(accounts[i].nonce) for i in range(12)]
    yield
    assert int(chain.blocks.height) == height
    assert [int(accounts[i].nonce) for i in range(12)] == nonces


def refused(chain: Any, accounts: Any, script: str, *args: str) -> str:
    """Runs a command that must refuse: exit 1, nothing on stdout, one line on stderr, nothing sent."""
    with nothing_sent(chain, accounts):
        result = run(script, *args, ok=False)
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
