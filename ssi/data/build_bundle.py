"""Build the compact bundled dataset in ``ssi/data/bundled`` from the shared data folder.

    python -m ssi.data.build_bundle --src /work/shared/data

Keeps only what the four indices can ever need:
- symbols whose 30-day average market cap (windows with at least 20 observations) ranked in the
  top ``--top`` (default 40) of the whole panel on any day, after the ticker splice: every symbol
  the MAG7/USSI universe (top 40) can contain, and every symbol ranked above one of them;
- every symbol labelled meme or DeFi whose 30-day average market cap ever reached
  ``--sector-min-cap`` (default $100M): the MEME and DEFI universes (threshold $100M);
- the old tickers of spliced renames of those symbols (the loader splices them at load time);
and only the columns date, symbol (the ticker as in the source panel), id (the stable asset id,
``ssi.data.identity``), price_usd, market_cap_usd, volume_usd (rounded) and volume_source (where
the volume comes from: all-venue aggregate or one exchange). Also writes the label rows of those
ids, the CMC monthly snapshot volume and ranks for those tickers, and the daily BTC/ETH funding
rates. Deterministic: same input, same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ssi.data.identity import assign_ids
from ssi.data.labels import by_ticker, read_labels
from ssi.data.market import PANEL_COLUMNS
from ssi.data.splice import load_renames, splice

MIN_OBS = 20  # a 30-day window with fewer observations fails every index's data test
OUT = Path(__file__).parent / "bundled"
PANEL_FILE = "crypto_daily_panel_2019-12_2026-03.csv.gz"
LABEL_COLUMNS = [
    "symbol", "name", "coingecko_id", "primary_for_symbol", "sector_simple", "is_meme", "is_defi",
    "is_dex", "is_lending", "is_stablecoin", "is_layer1", "is_layer2", "is_exchange_token",
    "is_wrapped_or_lst", "is_ai", "custom_category", "coingecko_categories",
]


def _write_gz(df: pd.DataFrame, path: Path, float_format: str | None = "%.7g") -> None:
    text = df.to_csv(index=False, float_format=float_format, lineterminator="\n")
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(text.encode())
    path.write_bytes(buf.getvalue())


def _round_sig(x: pd.Series, digits: int) -> pd.Series:
    v = x.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.abs(v)))
        factor = 10.0 ** (digits - 1 - mag)
        out = np.where(np.isfinite(v) & (v != 0), np.round(v * factor) / factor, v)
    return pd.Series(out, index=x.index)


def select_symbols(panel: pd.DataFrame, labels: pd.DataFrame, top: int, sector_min_cap: float) -> set[str]:
    spliced = splice(panel, load_renames())
    caps = spliced.pivot_table(index="date", columns="symbol", values="market_cap_usd")
    caps = caps.reindex(pd.date_range(caps.index.min(), caps.index.max(), freq="D"))
    avg = caps.rolling(30, min_periods=MIN_OBS).mean()
    best_rank = avg.rank(axis=1, ascending=False, method="min").min()
    keep = set(best_rank[best_rank <= top].index)
    tick = by_ticker(labels)
    sector = tick.index[(tick["is_meme"] == 1) | (tick["is_defi"] == 1)]
    big = set(avg.columns[avg.max() >= sector_min_cap])
    keep |= set(sector) & big
    for r in load_renames():
        if r.new in keep:
            keep.add(r.old)
    return keep


def build(src: Path, out: Path = OUT, top: int = 40, sector_min_cap: float = 1e8) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    panel = pd.read_csv(src / PANEL_FILE, usecols=list(PANEL_COLUMNS) + ["name", "volume_source"],
                        keep_default_na=False, na_values=[""], dtype={"symbol": str, "name": str, "volume_source": str})
    panel["date"] = pd.to_datetime(panel["date"])
    labels = read_labels(src / "sector_labels.csv")
    keep = select_symbols(panel, labels, top, sector_min_cap)
    sub = panel[panel["symbol"].isin(keep)].sort_values(["symbol", "date"])
    spliced = splice(sub.assign(_row=np.arange(len(sub))), load_renames())
    spliced["id"] = assign_ids(spliced, labels).to_numpy()
    sub["id"] = spliced.set_index("_row")["id"].reindex(np.arange(len(sub))).to_numpy()
    sub = sub[sub["id"].notna()]  # rows a new ticker's own row replaced in the splice
    sub = sub[["date", "symbol", "id", "price_usd", "market_cap_usd", "volume_usd", "volume_source"]]
    sub["volume_source"] = sub["volume_source"].where(sub["volume_usd"].notna())
    sub["date"] = sub["date"].dt.strftime("%Y-%m-%d")
    # precision: prices 7 significant digits, market caps 5 (1e-5 relative, far below the
    # vendors' own disagreement), volumes 3 (only used to rank liquidity)
    sub["market_cap_usd"] = _round_sig(sub["market_cap_usd"], 5)
    sub["volume_usd"] = _round_sig(sub["volume_usd"], 3)
    _write_gz(sub, out / "panel.csv.gz")

    raw_labels = pd.read_csv(src / "sector_labels.csv", dtype={"symbol": str}, keep_default_na=False, na_values=[""])
    raw_labels = raw_labels[raw_labels["coingecko_id"].isin(set(sub["id"]))]
    _write_gz(raw_labels[LABEL_COLUMNS].sort_values(["symbol", "coingecko_id"]), out / "sector_labels.csv.gz", None)

    snap = pd.read_csv(src / "cmc_monthly_top200_snapshots_2020-01_2025-10.csv", dtype={"symbol": str},
                       keep_default_na=False, na_values=[""])
    snap = snap[snap["symbol"].isin(keep)][["date", "rank", "symbol", "market_cap_usd", "volume_24h_usd"]]
    _write_gz(snap.sort_values(["date", "rank"]), out / "cmc_snapshots.csv.gz")

    fund = pd.read_csv(src / "funding_rates_daily_btc_eth.csv")
    fund = fund[["date", "symbol", "funding_rate_daily_sum", "n_fundings"]]
    fund["n_fundings"] = fund["n_fundings"].astype("Int64")
    _write_gz(fund, out / "funding_daily_btc_eth.csv.gz", "%.10g")
    return {p.name: p.stat().st_size for p in sorted(out.glob("*.gz"))} | {"symbols": len(keep)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="/work/shared/data", help="folder with the shared data files")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--sector-min-cap", type=float, default=1e8)
    args = ap.parse_args()
    for name, size in build(Path(args.src), Path(args.out), args.top, args.sector_min_cap).items():
        print(f"{name}: {size:,}")


if __name__ == "__main__":
    main()
