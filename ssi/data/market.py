"""The market-data interface every index computation reads: wide daily frames (UTC date × symbol)
of close price, circulating market cap and 24h volume, plus labels.

Sources behind the same interface: the bundled compact dataset (default, no network), any panel
in the columns of ``crypto_daily_panel_*.csv.gz`` (``load_market``), and CoinGecko's public API
(``ssi.data.coingecko``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ssi.data.labels import read_labels
from ssi.data.splice import load_renames, splice

BUNDLE_DIR = Path(__file__).parent / "bundled"
BUNDLED_PANEL = BUNDLE_DIR / "panel.csv.gz"
BUNDLED_LABELS = BUNDLE_DIR / "sector_labels.csv.gz"
BUNDLED_SNAPSHOTS = BUNDLE_DIR / "cmc_snapshots.csv.gz"
PANEL_COLUMNS = ("date", "symbol", "price_usd", "market_cap_usd", "volume_usd")


@dataclass
class MarketData:
    price: pd.DataFrame  # close in USD (end of the UTC day), NaN where missing
    market_cap: pd.DataFrame  # circulating market cap in USD
    volume: pd.DataFrame  # 24h volume in USD
    labels: pd.DataFrame  # indexed by symbol: flags, name, sector (see ssi.data.labels)
    snapshot_volume: pd.DataFrame | None = None  # CMC monthly 24h volume (1st of month × symbol)
    source: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def first_date(self) -> pd.Timestamp:
        return self.price.index[0]

    @property
    def last_date(self) -> pd.Timestamp:
        return self.price.index[-1]

    @property
    def symbols(self) -> list[str]:
        return list(self.price.columns)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(price, market cap, volume) as numpy arrays, cached (the frames are not mutated)."""
        cache = self.meta.get("_arrays")
        if cache is None:
            cache = (self.price.to_numpy(), self.market_cap.to_numpy(), self.volume.to_numpy())
            self.meta["_arrays"] = cache
        return cache

    def label_table(self) -> pd.DataFrame:
        """Labels aligned to the panel's symbols (flags 0 and empty sector where unlabelled)."""
        cache = self.meta.get("_labels")
        if cache is None:
            cache = self.labels.reindex(self.price.columns)
            for c in cache.columns:
                if c.startswith("is_"):
                    cache[c] = cache[c].fillna(0).astype(int)
            cache["sector"] = cache["sector"].fillna("")
            self.meta["_labels"] = cache
        return cache

    def label(self, symbol: str, column: str, default=0):
        if symbol in self.labels.index:
            return self.labels.at[symbol, column]
        return default


def panel_to_market(
    panel: pd.DataFrame,
    labels: pd.DataFrame,
    snapshot_volume: pd.DataFrame | None = None,
    source: str = "",
    apply_renames: bool = True,
) -> MarketData:
    """Long panel (``PANEL_COLUMNS``) → ``MarketData`` on a complete daily calendar (gaps = NaN)."""
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise ValueError(f"panel lacks columns {missing}")
    df = panel.loc[:, list(PANEL_COLUMNS)].copy()
    df["date"] = pd.to_datetime(df["date"])
    df = df[df["price_usd"].notna() & (df["price_usd"] > 0)]
    if apply_renames:
        df = splice(df, load_renames())
    df = df.drop_duplicates(["date", "symbol"], keep="last")
    days = pd.date_range(df["date"].min(), df["date"].max(), freq="D")
    symbols = sorted(df["symbol"].unique())
    row = days.get_indexer(df["date"])
    col = pd.Index(symbols).get_indexer(df["symbol"])
    frames = {}
    for name in ("price_usd", "market_cap_usd", "volume_usd"):
        arr = np.full((len(days), len(symbols)), np.nan)
        arr[row, col] = df[name].to_numpy(dtype=float)
        frames[name] = pd.DataFrame(arr, index=days, columns=symbols)
    return MarketData(
        price=frames["price_usd"],
        market_cap=frames["market_cap_usd"],
        volume=frames["volume_usd"],
        labels=labels,
        snapshot_volume=snapshot_volume,
        source=source,
    )


def read_snapshot_volume(path: str | Path) -> pd.DataFrame:
    snap = pd.read_csv(path, usecols=["date", "symbol", "volume_24h_usd"], parse_dates=["date"])
    wide = snap.pivot_table(index="date", columns="symbol", values="volume_24h_usd", aggfunc="first")
    wide.columns.name = None
    return wide


def load_market(
    data: str | Path | None = None,
    sectors: str | Path | None = None,
    snapshots: str | Path | None = None,
) -> MarketData:
    """Load a panel (default: the bundled one) and labels (default: the bundled ones).

    ``data`` and ``sectors`` may point to files in the same columns as the shared data folder."""
    data_path = Path(data) if data is not None else BUNDLED_PANEL
    labels_path = Path(sectors) if sectors is not None else BUNDLED_LABELS
    for p, what in ((data_path, "market data"), (labels_path, "sector labels")):
        if not p.exists():
            raise FileNotFoundError(f"{what} file not found: {p}")
    try:
        panel = pd.read_csv(
            data_path,
            usecols=list(PANEL_COLUMNS),
            dtype={"symbol": str, "price_usd": float, "market_cap_usd": float, "volume_usd": float},
            keep_default_na=False,
            na_values=[""],
        )
    except ValueError as exc:
        raise ValueError(f"{data_path}: not a panel with columns {list(PANEL_COLUMNS)} ({exc})") from None
    labels = read_labels(labels_path)
    snap_path = Path(snapshots) if snapshots is not None else BUNDLED_SNAPSHOTS
    snapshot_volume = read_snapshot_volume(snap_path) if snap_path.exists() else None
    return panel_to_market(panel, labels, snapshot_volume, source=str(data_path))


def load_bundled() -> MarketData:
    """The compact dataset shipped in ``ssi/data/bundled`` (see its PROVENANCE.md)."""
    return load_market()
