"""SSI protocol kit: on-chain spot crypto index funds.

Sub-packages and modules:

- ``ssi.eip712``: EIP-712 typed data shared with the contracts (quotes, reserve reports, NAV reports).
- ``ssi.methodology``: the index rules (eligibility, selection, weighting, level, calendar).
- ``ssi.arbitrage``: NAV, premium and the arbitrage decision against a constant-product pool.
"""

from __future__ import annotations

__version__ = "0.1.0"
