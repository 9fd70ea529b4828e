"""The journal stays bounded: what lies KEEP_BLOCKS behind the sweep is forgotten, what is recent is kept."""

from __future__ import annotations

import json

from ssi.operators.journal import KEEP_BLOCKS, Journal


def test_advance__forgets_events_and_sent_steps_far_behind_the_sweep__keeps_recent_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("SSI_OPERATOR_STATE", str(tmp_path))
    j = Journal.open("custodian", "ethereum:local", 31337, "0xabc")
    j.mark("0xold:0", 10)
    j.mark("0xnew:3", 10 + KEEP_BLOCKS)
    j.notes["sent"] = {"0xold:0:BTC": {"nonce": 1, "block": 11}, "0xnew:3:BTC": {"nonce": 2, "block": 10 + KEEP_BLOCKS}}
    j.advance(10 + KEEP_BLOCKS + 5)
    assert not j.seen("0xold:0") and j.seen("0xnew:3")
    assert list(j.notes["sent"]) == ["0xnew:3:BTC"]
    again = Journal.open("custodian", "ethereum:local", 31337, "0xabc")  # what a restart reads back
    assert again.done == {"0xnew:3": 10 + KEEP_BLOCKS} and again.last_block == 10 + KEEP_BLOCKS + 5


def test_open__a_journal_written_before_blocks_were_kept__reads_and_is_pruned_at_the_next_sweep(tmp_path, monkeypatch):
    monkeypatch.setenv("SSI_OPERATOR_STATE", str(tmp_path))
    (tmp_path / "pmm-ethereum-local.json").write_text(json.dumps(
        {"chain_id": 31337, "genesis": "0xabc", "last_block": 40, "done": ["0xa:1", "0xb:2"], "notes": {}}))
    j = Journal.open("pmm", "ethereum:local", 31337, "0xabc")
    assert j.seen("0xa:1") and j.seen("0xb:2")  # until the sweep moves on: nothing is handled twice meanwhile
    j.advance(41 + KEEP_BLOCKS)
    assert not j.seen("0xa:1")
