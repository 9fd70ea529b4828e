"""The arbitrage operator as a Silverback bot: `silverback run arbitrage --network ...` (see README, "Running a desk")."""

from ape import chain
from silverback import SilverbackBot

from ssi.operators import config
from ssi.operators.wiring import setup_logging, wire

setup_logging()
bot = SilverbackBot()
operator = config.arbitrage_from_env(config.connect())
wire(bot, operator, chain)
