"""Event-driven operators: the desk's long-lived processes.

Each operator is a set of plain handler methods over the same ``ssi.ops`` operations the Ape
scripts use (``trading.deliver``, ``trading.fill``, ``custodian.report``, ``trading.settle``,
``compiler.activate``, ``trading.trade_to_pending``); ``bots/*.py`` wires them to Silverback
(``@bot.on_(issuer.MintRequested)``, ``@bot.on_(chain.blocks)``, ``@bot.cron(...)``).

- :mod:`ssi.operators.pmm`: delivers mints, fills redemptions, trades a due rebalance, refuses
  requests outside its limits (rejecting them on chain, with the reason logged).
- :mod:`ssi.operators.custodian`: pays releases and baskets owed back, then reports the real
  holdings after every delivery, release and rebalance trade.
- :mod:`ssi.operators.keeper`: settles backed mints, activates due and backed baskets, accrues the fee.
- :mod:`ssi.operators.arbitrage`: one arbitrage round whenever the pool leaves the no-arbitrage band.

Every operator keeps a journal (:mod:`ssi.operators.journal`) of the events it has handled, so a
restart neither acts twice nor loses an event: it replays what it missed from the chain's logs.
"""
