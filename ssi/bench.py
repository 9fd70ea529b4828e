"""``make bench``: wall time of loading the bundled data and of a full MAG7 backtest 2021–2025."""

from __future__ import annotations

import datetime as dt
import time


def main() -> None:
    t0 = time.perf_counter()
    from ssi.data import load_bundled
    from ssi.methodology.backtest import run_backtest
    from ssi.methodology.definition import load_definition

    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    market = load_bundled()
    t_load = time.perf_counter() - t1
    definition = load_definition("MAG7")
    run_backtest(definition, market, dt.date(2021, 1, 1), dt.date(2021, 3, 31))  # warm caches
    t2 = time.perf_counter()
    result = run_backtest(definition, market, dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    t_bt = time.perf_counter() - t2
    print(f"imports                      {t_import:6.3f} s")
    print(f"load bundled data            {t_load:6.3f} s  ({market.price.shape[1]} symbols × {market.price.shape[0]} days; target < 2 s)")
    print(f"MAG7 backtest 2021-2025      {t_bt:6.3f} s  ({result.rebalances['effective_date'].nunique()} rebalances; target < 1 s)")


if __name__ == "__main__":
    main()
