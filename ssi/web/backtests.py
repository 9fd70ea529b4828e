"""The methodology's backtest, read from the outputs of ``ssi backtest``.

The page looks for ``<backtests>/<METHODOLOGY>/`` (for example ``backtests/MAG7/``, written by
``ssi backtest --index MAG7 --out backtests/MAG7``) and reads ``levels.csv``, ``rebalances.csv``
and ``summary.json``; ``chart.png``, when there, is served as the methodology's own chart.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any


def backtest_folder(root: Path | None, methodology: str) -> Path | None:
    if root is None:
        return None
    folder = Path(root) / methodology
    return folder if (folder / "levels.csv").is_file() else None


def read_levels(folder: Path) -> list[tuple[str, float]]:
    with (folder / "levels.csv").open() as f:
        return [(row["date"], float(row["level"])) for row in csv.DictReader(f)]


def read_rebalances(folder: Path) -> list[dict[str, Any]]:
    """One entry per effective date, constituents by weight (largest first), newest date first."""
    by_date: dict[str, list[dict[str, Any]]] = {}
    path = folder / "rebalances.csv"
    if not path.is_file():
        return []
    with path.open() as f:
        for row in csv.DictReader(f):
            by_date.setdefault(row["effective_date"], []).append(
                {"symbol": row["symbol"], "weight_pct": float(row["weight"]) * 100, "price": float(row["price"])})
    return [{"effective_date": d, "constituents": sorted(rows, key=lambda r: -r["weight_pct"])}
            for d, rows in sorted(by_date.items(), reverse=True)]


def load_backtest(root: Path | None, methodology: str) -> dict[str, Any] | None:
    """What the page shows of the backtest, or None where no outputs were given."""
    folder = backtest_folder(root, methodology)
    if folder is None:
        return None
    summary_path = folder / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    levels = read_levels(folder)
    stats = summary.get("index", {})
    bench = summary.get("benchmark_buy_and_hold")
    bench_name = (summary.get("benchmark") or {}).get("symbol")
    return {
        "methodology": methodology,
        "start": levels[0][0] if levels else None,
        "end": levels[-1][0] if levels else None,
        "first_level": levels[0][1] if levels else None,
        "last_level": levels[-1][1] if levels else None,
        "cumulative_return_pct": stats.get("cumulative_return", 0) * 100 if stats else None,
        "annualised_return_pct": stats.get("annualised_return", 0) * 100 if stats else None,
        "annualised_volatility_pct": stats.get("annualised_volatility", 0) * 100 if stats else None,
        "max_drawdown_pct": stats.get("max_drawdown", 0) * 100 if stats else None,
        "benchmark": bench_name,
        "benchmark_cumulative_return_pct": bench["cumulative_return"] * 100 if bench else None,
        "has_png": (folder / "chart.png").is_file(),
        "rebalances": read_rebalances(folder),
    }
