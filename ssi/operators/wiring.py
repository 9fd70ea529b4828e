"""Silverback wiring: an operator's handlers as a bot's tasks.

- start-up: ``sweep()``, which replays every watched event the operator has not handled (the
  Silverback runners subscribe from the head, so this is how a restart catches up);
- every new block: ``sweep()`` up to that block (the safety net: anything a subscription missed);
- every watched event: ``handle(log)``, the fast path, within the block it was mined in.

Both paths go through the operator's journal and lock, so an event is handled once.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from ssi.operators.base import Operator

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s"


def setup_logging(level: int = logging.INFO) -> None:
    """One line per action on stderr (Silverback's own log goes there too)."""
    root = logging.getLogger("ssi.operators")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


def wire(bot: Any, operator: Operator, chain: Any) -> None:
    """Register the operator's start-up sweep, block sweep and event handlers on ``bot``."""
    role = operator.role

    def startup(state: Any) -> None:
        operator.log.info(f"{role}: started on {operator.s.network_choice}, journal {operator.journal.path}, "
                          f"resuming after block {operator.journal.last_block}")
        operator.sweep()

    startup.__name__ = f"{role}_startup"
    bot.on_startup()(startup)

    def on_block(block: Any) -> None:
        operator.sweep(int(block.number))

    on_block.__name__ = f"{role}_block"
    bot.on_(chain.blocks)(on_block)

    for event in operator.watched():
        def on_log(log: Any) -> None:
            operator.handle(log)

        on_log.__name__ = f"{role}_{event.name}"
        bot.on_(event)(on_log)
