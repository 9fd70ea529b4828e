"""The market-data interface every index computation reads: wide daily frames (UTC date × asset)
of close price, circulating market cap and 24h volume, plus labels.

Assets are keyed by their stable id (the CoinGecko id, ``ssi.data.identity``); ``assets`` gives each
key its display ticker and name. ``by_symbol()`` re-keys the same data by ticker for the on-chain
tools, which register assets by ticker.

Sources behind the same interface: the bundled compact dataset (default, no network), any panel
in the columns of ``crypto_daily_panel_*.csv.gz`` (``load_market``; an ``id`` column and a
``volume_source`` column are optional), and CoinGecko's public API (``ssi.data.coingecko``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ssi.data.identity import assign_ids
from ssi.data.labels import align_labels, read_labels
from ssi.data.splice import load_renames, splice

BUNDLE_DIR = Path(__file__).parent / "bundled"
BUNDLED_PANEL = BUNDLE_DIR / "panel.csv.gz"
BUNDLED_LABELS = BUNDLE_DIR / "sector_labels.csv.gz"
BUNDLED_SNAPSHOTS = BUNDLE_DIR / "cmc_snapshots.csv.gz"
PANEL_COLUMNS = ("date", "symbol", "price_usd", "market_cap_usd", "volume_usd")
OPTIONAL_COLUMNS = ("id", "name", "volume_source")

# Where a row's 24h volume comes from (``volume_venue`` codes). All-venue volumes (CoinGecko,
# CoinMarketCap aggregates) and one exchange's volume are different quantities: the liquidity
# screen only compares like with like (ssi.methodology.eligibility).
VENUES = ("", "all_venue", "binance_perp", "coinbase_spot", "binance_spot", "unknown")
ALL_VENUE = 1
UNKNOWN_VENUE = VENUES.index("unknown")


def venue_code(source: pd.Series) -> np.ndarray:
    """Panel ``volume_source`` codes (``cg_csv:...``, ``cmc_daily:...``, ``binance_perp:...``) → VENUES index."""
    s = source.fillna("").astype(str).str.split(":").str[0]
    out = np.full(len(s), UNKNOWN_VENUE, dtype=np.int8)
    out[s.str.startswith("cg_") | s.str.startswith("cmc_")] = ALL_VENUE
    for k, name in enumerate(VENUES):
        if name and name not in ("all_venue", "unknown"):
            out[(s == name).to_numpy()] = k
    return out


@dataclass
class MarketData:
    price: pd.DataFrame  # close in USD (end of the UTC day), NaN where missing; columns: asset keys
    market_cap: pd.DataFrame  # circulating market cap in USD
    volume: pd.DataFrame  # 24h volume in USD
    labels: pd.DataFrame  # indexed by asset key: flags, name, sector, label_match
    snapshot_volume: pd.DataFrame | None = None  # CMC monthly 24h volume (1st of month × asset key)
    source: str = ""
    meta: dict = field(default_factory=dict)
    assets: pd.DataFrame | None = None  # indexed by asset key: id, symbol (display), name
    volume_venue: pd.DataFrame | None = None  # VENUES code per cell (0 where no volume)
    rows: pd.DataFrame | None = None  # (date, ticker as in the panel, id) of every row, for checks

    def __post_init__(self) -> None:
        if self.assets is None:
            keys = self.price.columns
            self.assets = pd.DataFrame({"id": keys, "symbol": keys, "name": ""}, index=keys)

    @property
    def first_date(self) -> pd.Timestamp:
        return self.price.index[0]

    @property
    def last_date(self) -> pd.Timestamp:
        return self.price.index[-1]

    @property
    def symbols(self) -> list[str]:
        """The asset keys (ids), in column order."""
        return list(self.price.columns)

    def symbol_of(self, key: str) -> str:
        return str(self.assets.at[key, "symbol"]) if key in self.assets.index else str(key)

    def id_of(self, key: str) -> str:
        return str(self.assets.at[key, "id"]) if key in self.assets.index else str(key)

    def find(self, name: str) -> str | None:
        """The asset key for an id, a key or a display ticker (case-insensitive); None if absent.
        A ticker shared by two assets is refused (ValueError)."""
        if name in self.price.columns:
            return name
        ids = self.assets["id"]
        hit = ids.index[ids.str.lower() == name.lower()]
        if len(hit) == 1:
            return hit[0]
        hit = self.assets.index[self.assets["symbol"].str.upper() == name.upper()]
        if len(hit) > 1:
            raise ValueError(f"ticker {name} names {len(hit)} assets ({', '.join(ids[hit])}): give the id")
        return hit[0] if len(hit) else None

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(price, market cap, volume) as numpy arrays, cached (the frames are not mutated)."""
        cache = self.meta.get("_arrays")
        if cache is None:
            cache = (self.price.to_numpy(), self.market_cap.to_numpy(), self.volume.to_numpy())
            self.meta["_arrays"] = cache
        return cache

    def venue_array(self) -> np.ndarray:
        """VENUES codes per cell; where the panel had no ``volume_source``, 'unknown' wherever there is a volume."""
        cache = self.meta.get("_venues")
        if cache is None:
            if self.volume_venue is not None:
                cache = self.volume_venue.to_numpy()
            else:
                cache = np.where(np.isnan(self.volume.to_numpy()), 0, UNKNOWN_VENUE).astype(np.int8)
            self.meta["_venues"] = cache
        return cache

    def label_table(self) -> pd.DataFrame:
        """Labels aligned to the panel's assets (flags 0 and empty sector where unlabelled)."""
        cache = self.meta.get("_labels")
        if cache is None:
            cache = self.labels.reindex(self.price.columns)
            for c in cache.columns:
                if c.startswith("is_"):
                    cache[c] = cache[c].fillna(0).astype(int)
            cache["sector"] = cache["sector"].fillna("")
            self.meta["_labels"] = cache
        return cache

    def label(self, key: str, column: str, default=0):
        if key in self.labels.index:
            return self.labels.at[key, column]
        return default

    def by_symbol(self) -> MarketData:
        """The same data keyed by display ticker (for tools that name assets by ticker). Refuses
        if two assets share a ticker."""
        sym = self.assets["symbol"].reindex(self.price.columns)
        dup = sym[sym.duplicated(keep=False)]
        if len(dup):
            raise ValueError(f"tickers shared by several assets: {sorted(set(dup))}; use the ids")
        mapping = dict(zip(sym.index, sym.to_numpy()))

        def re(df: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if df is None else df.rename(columns=mapping)

        labels = self.labels.rename(index=mapping)
        assets = self.assets.rename(index=mapping)
        return replace(self, price=re(self.price), market_cap=re(self.market_cap), volume=re(self.volume),
                       labels=labels, snapshot_volume=re(self.snapshot_volume), meta={}, assets=assets,
                       volume_venue=re(self.volume_venue))


def panel_to_market(
    panel: pd.DataFrame,
    labels: pd.DataFrame,
    snapshot_volume: pd.DataFrame | None = None,
    source: str = "",
    apply_renames: bool = True,
) -> MarketData:
    """Long panel (``PANEL_COLUMNS``, optional ``id``, ``name``, ``volume_source``) → ``MarketData``
    keyed by asset id on a complete daily calendar (gaps = NaN). ``snapshot_volume``: long
    (date, symbol, volume_24h_usd) CMC snapshot rows, matched to ids through the panel's rows."""
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise ValueError(f"panel lacks columns {missing}")
    cols = list(PANEL_COLUMNS) + [c for c in OPTIONAL_COLUMNS if c in panel.columns]
    df = panel.loc[:, cols].copy()
    df["date"] = pd.to_datetime(df["date"])
    df = df[df["price_usd"].notna() & (df["price_usd"] > 0)]
    df["ticker"] = df["symbol"]
    if apply_renames:
        df = splice(df, load_renames())
    df["id"] = assign_ids(df, labels).to_numpy()
    rows = df[["date", "ticker", "id"]].reset_index(drop=True)
    df = df.drop_duplicates(["date", "id"], keep="last")
    days = pd.date_range(df["date"].min(), df["date"].max(), freq="D")
    last = df.sort_values("date", kind="stable").drop_duplicates("id", keep="last").set_index("id")
    keys = pd.Index(sorted(last.index))
    row = days.get_indexer(df["date"])
    col = keys.get_indexer(df["id"])
    frames = {}
    for name in ("price_usd", "market_cap_usd", "volume_usd"):
        arr = np.full((len(days), len(keys)), np.nan)
        arr[row, col] = df[name].to_numpy(dtype=float)
        frames[name] = pd.DataFrame(arr, index=days, columns=keys)
    venues = None
    if "volume_source" in df.columns:
        v = np.zeros((len(days), len(keys)), dtype=np.int8)
        code = venue_code(df["volume_source"])
        code[df["volume_usd"].isna().to_numpy()] = 0
        v[row, col] = code
        venues = pd.DataFrame(v, index=days, columns=keys)
    names = last["name"].reindex(keys).fillna("").astype(str) if "name" in last else pd.Series("", index=keys)
    assets = pd.DataFrame({"id": keys, "symbol": last["symbol"].reindex(keys).to_numpy(), "name": names.to_numpy()},
                          index=keys)
    aligned = align_labels(labels, keys, assets["id"], assets["symbol"])
    aligned.loc[aligned["name"].isna() | (aligned["name"] == ""), "name"] = assets["name"]
    assets["name"] = np.where(assets["name"] == "", aligned["name"].fillna(""), assets["name"])
    snap = _snapshot_wide(snapshot_volume, rows) if snapshot_volume is not None else None
    return MarketData(
        price=frames["price_usd"],
        market_cap=frames["market_cap_usd"],
        volume=frames["volume_usd"],
        labels=aligned,
        snapshot_volume=snap,
        source=source,
        assets=assets,
        volume_venue=venues,
        rows=rows,
    )


def _snapshot_wide(snap: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """CMC snapshot volumes (date, ticker) → (date × asset id), through the panel row of the same
    ticker on the snapshot date (or within the 35 days after; tickers absent from the panel drop)."""
    snap = snap.copy()
    snap["date"] = pd.to_datetime(snap["date"])
    lookup = rows.rename(columns={"ticker": "symbol"}).sort_values("date")
    merged = pd.merge_asof(snap.sort_values("date"), lookup, on="date", by="symbol", direction="forward",
                           tolerance=pd.Timedelta(days=35))
    merged = merged[merged["id"].notna()]
    wide = merged.pivot_table(index="date", columns="id", values="volume_24h_usd", aggfunc="first")
    wide.columns.name = None
    return wide


def read_snapshot_volume(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, usecols=["date", "symbol", "volume_24h_usd"], dtype={"symbol": str},
                       keep_default_na=False, na_values=[""])


def load_market(
    data: str | Path | None = None,
    sectors: str | Path | None = None,
    snapshots: str | Path | None = None,
) -> MarketData:
    """Load a panel (default: the bundled one) and labels (default: the bundled ones), keyed by id.

    ``data`` and ``sectors`` may point to files in the same columns as the shared data folder."""
    data_path = Path(data) if data is not None else BUNDLED_PANEL
    labels_path = Path(sectors) if sectors is not None else BUNDLED_LABELS
    for p, what in ((data_path, "market data"), (labels_path, "sector labels")):
        if not p.exists():
            raise FileNotFoundError(f"{what} file not found: {p}")
    try:
        head = pd.read_csv(data_path, nrows=0)
        extra = [c for c in OPTIONAL_COLUMNS if c in head.columns]
        panel = pd.read_csv(
            data_path,
            usecols=list(PANEL_COLUMNS) + extra,
            dtype={"symbol": str, "id": str, "name": str, "volume_source": str,
                   "price_usd": float, "market_cap_usd": float, "volume_usd": float},
            keep_default_na=False,
            na_values=[""],
        )
    except ValueError as exc:
        raise ValueError(f"{data_path}: not a panel with columns {list(PANEL_COLUMNS)} ({exc})") from None
    labels = read_labels(labels_path)
    snap_path = Path(snapshots) if snapshots is not None else BUNDLED_SNAPSHOTS
    snapshot_volume = read_snapshot_volume(snap_path) if snap_path.exists() else None
    return panel_to_market(panel, labels, snapshot_volume, source=str(data_path))


def load_bundled(key: str = "symbol") -> MarketData:
    """The compact dataset shipped in ``ssi/data/bundled`` (see its PROVENANCE.md).

    ``key="symbol"`` (default, for the on-chain tools that register assets by ticker) or ``"id"``
    (what the methodology and ``ssi`` commands use)."""
    market = _bundled_by_id()
    if key == "id":
        return market
    if key == "symbol":
        return market.by_symbol()
    raise ValueError(f"key must be 'id' or 'symbol', got {key!r}")


def _bundled_by_id() -> MarketData:
    return load_market()
