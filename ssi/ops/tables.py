"""Plain-text tables and number formats for people (``--json`` gives machines the raw values)."""

from __future__ import annotations

from typing import Any, Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None) -> str:
    """Columns sized to fit; numbers right-aligned, text left-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [all(_is_number(r[i]) for r in cells) and bool(cells) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    out = [title] if title else []
    out += [line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells]
    return "\n".join(out)


def _is_number(text: str) -> bool:
    t = text.replace(",", "").replace("%", "").replace("$", "").replace("+", "").replace("-", "").replace(".", "")
    return t.isdigit() or text in ("", "-", "n/a")


def usd(x: float, places: int = 2) -> str:
    return f"${x:,.{places}f}"


def pct(x: float, places: int = 2) -> str:
    return "n/a" if x == float("inf") else f"{x:.{places}f}%"


def amount(x: float) -> str:
    """A token amount with enough significant digits for small and large values."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.2f}"
    if abs(x) >= 1:
        return f"{x:,.6f}"
    return f"{x:.6g}"


def tokens(base: int, decimals: int) -> str:
    """Base units in the token's own decimals, exactly (``1234500`` at 6 decimals: ``1.2345``)."""
    from decimal import Decimal

    value = Decimal(int(base)).scaleb(-int(decimals))
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
