"""The command blocks of docs/operations.md that tests run: a fenced block right below a marker
comment (``<!-- walkthrough: ... -->``). Every line of the block that is not a comment must be an
`ape run` command, so that nothing in a block goes unexecuted. ``block`` gives any marked block's
lines (docs/networks.md's rehearsal block, which tests/operators/test_rehearsal.py compares to the script)."""

from __future__ import annotations

import shlex
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def block(marker: str, text: str) -> list[str]:
    """The lines of the fenced block right below the ``<!-- {marker}:`` comment of a markdown text."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"<!-- {marker}:"))
    fence = start + 1
    assert lines[fence].startswith("```"), f"the {marker} marker must sit right above a fenced block"
    end = next(i for i in range(fence + 1, len(lines)) if lines[i].startswith("```"))
    return lines[fence + 1:end]


def commands(marker: str, text: str | None = None) -> list[list[str]]:
    """The commands of the fenced block after ``<!-- {marker}:``, as argument lists, in order."""
    out = []
    for line in block(marker, DOC.read_text() if text is None else text):
        args = shlex.split(line, comments=True)
        if args:
            assert args[:2] == ["ape", "run"], f"not an `ape run` command: {line!r}"
            out.append(args)
    return out
