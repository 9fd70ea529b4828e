"""SSI protocol kit: on-chain spot crypto index funds.

Packages, one per concern:

- ``ssi.chain``: the chain client (EIP-712 typed data, deploy and drive, local chain, gas report).
- ``ssi.ops``: the role operations behind the Ape scripts.
- ``ssi.methodology`` and ``ssi.data``: the index rules and the market data they run on.
- ``ssi.arb``: NAV, premium, the arbitrage model, price sources and the bot.
- ``ssi.ussi``: the hedged USSI strategy and its token client.
"""

from __future__ import annotations

__version__ = "0.1.0"
