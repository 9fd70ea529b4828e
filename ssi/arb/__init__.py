"""Arbitrage: the NAV/premium model and closed-form sizing (``model``), bundled-data price sources
(``prices``) and the bot that runs a round on a local venue (``bot``)."""
