"""Index definitions: one YAML file per index in ``ssi/indices``; every rule parameter lives there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from ssi.methodology.weighting import SCHEMES

INDICES_DIR = Path(__file__).resolve().parent.parent / "indices"


@dataclass(frozen=True)
class Universe:
    sector: str | None = None  # one of the twelve sectors, or None for all
    max_rank: int | None = None  # keep the top K by 30-day average market cap
    min_avg_market_cap: float | None = None  # or keep those at or above a threshold (USD)


@dataclass(frozen=True)
class Eligibility:
    window_days: int = 30
    max_missing_days: int = 3
    qualified_exchanges: tuple[str, ...] = ("Binance", "OKX", "Coinbase", "Bybit", "Bitget")
    quote_currencies: tuple[str, ...] = ("USD", "USDT", "USDC")
    blacklist: tuple[str, ...] = ()  # asset ids (CoinGecko ids), never tickers
    exclude_flags: tuple[str, ...] = ("is_stablecoin", "is_wrapped_or_lst")
    liquidity_drop_fraction: float = 0.10
    market_cap_drop_fraction: float = 0.10
    snapshot_volume_max_age_days: int = 45  # fallback for volume gaps: CMC monthly 24h volume
    # a day-over-day change of implied supply (market cap / price) by more than this factor in the
    # window marks a redenomination or a broken supply series: the token is not eligible that month
    max_supply_jump: float = 3.0
    # a held constituent without a price is carried at its last close for at most this many days;
    # after that it is valued at its next available close (see ssi.methodology.gaps)
    max_carry_days: int = 3


@dataclass(frozen=True)
class Selection:
    n: int = 7
    min_listing_days: int | None = None
    min_avg_market_cap: float | None = None
    max_volume_rank: int | None = None
    # tests that need data the panel does not carry (total supply, free float):
    max_fdv_rank: int | None = None
    min_circulation_ratio: float | None = None
    min_turnover: float | None = None


@dataclass(frozen=True)
class Weighting:
    scheme: str = "market_cap"
    parameter: float | None = None  # cap for market_cap/capped, floor for minimum_weight


@dataclass(frozen=True)
class Buffer:
    entry_rank: int
    exit_rank: int


@dataclass(frozen=True)
class Calendar:
    frequency: str = "monthly"
    reference_days_before_month_end: int = 3
    implementation_day: int = 1


@dataclass(frozen=True)
class Base:
    date: dt.date
    value: float = 1000.0


@dataclass(frozen=True)
class IndexDefinition:
    name: str
    title: str
    universe: Universe
    eligibility: Eligibility
    selection: Selection
    weighting: Weighting
    buffer: Buffer
    calendar: Calendar
    base: Base
    strategy: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def validate(self) -> None:
        n = self.selection.n
        problems = []
        if n < 1:
            problems.append("selection.n must be >= 1")
        if self.weighting.scheme not in SCHEMES:
            problems.append(f"weighting.scheme {self.weighting.scheme!r} not one of {SCHEMES}")
        p = self.weighting.parameter
        if self.weighting.scheme == "minimum_weight" and (p is None or n * p > 1):
            problems.append(f"minimum weight {p} infeasible for N={n} (needs N·m <= 1)")
        if self.weighting.scheme in ("market_cap", "capped") and p is not None and n * p < 1:
            problems.append(f"cap {p} infeasible for N={n} (needs N·cap >= 1)")
        if self.weighting.scheme == "capped" and p is None:
            problems.append("capped weighting needs weighting.parameter (the cap)")
        if not 1 <= self.buffer.entry_rank <= self.buffer.exit_rank:
            problems.append("buffer needs 1 <= entry_rank <= exit_rank")
        if self.calendar.frequency != "monthly":
            problems.append(f"calendar.frequency {self.calendar.frequency!r}: only 'monthly' is implemented")
        if not 0 <= self.calendar.reference_days_before_month_end <= 27:
            problems.append("calendar.reference_days_before_month_end must be in 0..27")
        if not 1 <= self.calendar.implementation_day <= 28:
            problems.append("calendar.implementation_day must be in 1..28")
        s = self.selection
        if any(x is not None for x in (s.max_fdv_rank, s.min_circulation_ratio, s.min_turnover)):
            problems.append("FDV, circulation-ratio and turnover tests need total supply and free float, "
                            "which the market data does not carry")
        if problems:
            raise ValueError(f"index {self.name}: " + "; ".join(problems))


def _build(cls, data: dict | None):
    data = dict(data or {})
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__.lower()}: unknown keys {sorted(unknown)}")
    for k, v in data.items():
        if isinstance(v, list):
            data[k] = tuple(v)
    return cls(**data)


def parse_definition(raw: dict[str, Any], source: str = "") -> IndexDefinition:
    required = ("name", "universe", "eligibility", "selection", "weighting", "buffer", "calendar", "base")
    missing = [k for k in required if k not in raw]
    if missing:
        raise ValueError(f"index definition {source}: missing {missing}")
    base = dict(raw["base"])
    base["date"] = dt.date.fromisoformat(str(base["date"]))
    d = IndexDefinition(
        name=str(raw["name"]),
        title=str(raw.get("title", raw["name"])),
        universe=_build(Universe, raw["universe"]),
        eligibility=_build(Eligibility, raw["eligibility"]),
        selection=_build(Selection, raw["selection"]),
        weighting=_build(Weighting, raw["weighting"]),
        buffer=_build(Buffer, raw["buffer"]),
        calendar=_build(Calendar, raw["calendar"]),
        base=_build(Base, base),
        strategy=dict(raw.get("strategy") or {}),
        source=source,
    )
    d.validate()
    return d


def available_indices() -> list[str]:
    return sorted(p.stem for p in INDICES_DIR.glob("*.yaml"))


def load_definition(name_or_path: str | Path) -> IndexDefinition:
    """By name (``MAG7``, case-insensitive, from ``ssi/indices``) or by path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") or not path.exists():
        matches = [p for p in INDICES_DIR.glob("*.yaml") if p.stem.lower() == str(name_or_path).lower()]
        if not matches:
            raise ValueError(f"unknown index {name_or_path!r}; known: {', '.join(available_indices())}")
        path = matches[0]
    return parse_definition(yaml.safe_load(path.read_text()), source=str(path))
