"""The index rules of the SSI family, implemented from ``METHODOLOGY.md``.

Modules, one concern each:

- ``weighting``: market-cap, capped market-cap and minimum-weight schemes (stable public API).
- ``definition``: index definition files (``ssi/indices/*.yaml``) as dataclasses.
- ``calendar``: monthly reference and implementation dates.
- ``eligibility``: the universe and the eligibility tests, in the spec's order.
- ``selection``: ranking with tie-break, and the buffer with the fixed-count rule.
- ``level``: the chain-linked index level.
- ``units``: weights to on-chain units per share, and trades against the previous basket.
- ``rebalance``: one rebalance on a reference date (ties the above together).
- ``backtest``: the backtest engine (levels series and rebalance table) and its summary.
- ``ussi`` / ``ussi_report``: the hedged USSI strategy (spot basket + short perpetuals, funding) and its outputs.
"""

from __future__ import annotations
