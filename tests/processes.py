"""Stopping what a test started in a process group of its own (anvil, a bot, a script)."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_group(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 10) -> None:
    """``sig`` to the process group (the npm launcher and its anvil, a bot and its workers), then
    SIGKILL if it is still there after ``grace`` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
