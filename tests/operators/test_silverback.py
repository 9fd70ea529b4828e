"""The desk as a real `silverback run` process against the test's anvil: a WLP's mint request settles."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ssi.chain.protocol import STATUS

ROOT = Path(__file__).resolve().parents[2]


def test_silverback_desk__mint_request__delivered_reported_settled_by_the_bot(desk, chain, tmp_path):
    env = {**os.environ, "APE_FOUNDRY_HOST": chain.provider.uri, "SSI_DEPLOYMENTS_DIR": str(desk.books),
           "SSI_OPERATOR_STATE": str(tmp_path / "journals"), "SILVERBACK_NETWORK_CHOICE": "ethereum:local:foundry"}
    log_file = tmp_path / "desk.log"
    silverback = str(Path(sys.executable).parent / "silverback")
    with log_file.open("w") as out:
        proc = subprocess.Popen([silverback, "run", "desk"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "Startup complete" not in log_file.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log_file.read_text()[-3000:]
            time.sleep(0.5)
        request = desk.request("mint", 25)
        s = desk.connect()
        while STATUS[int(s.deployment.issuer.request_status(request.id))] != "settled":
            assert proc.poll() is None and time.monotonic() < deadline, log_file.read_text()[-3000:]
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    text = log_file.read_text()
    assert f"pmm: deliver mint request {request.id}" in text and "Issuer.deliver_mint 0x" in text
    assert "custodian: report MAG7.ssi (current basket)" in text and "ReserveOracle.post_report 0x" in text
    assert f"keeper: settle mint request {request.id}" in text and "Issuer.settle_mint 0x" in text
