"""USSI, the hedged index: the strategy model and backtest (``strategy``, ``report``) and the token's
client side, NAV reports and requests (``token``)."""
