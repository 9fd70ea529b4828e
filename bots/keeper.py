"""The keeper operator as a Silverback bot: `silverback run keeper --network ...` (see README, "Running a desk")."""

from ape import chain
from silverback import SilverbackBot

from ssi.operators import config
from ssi.operators.wiring import setup_logging, wire

setup_logging()
bot = SilverbackBot()
operator = config.keeper_from_env(config.connect())
wire(bot, operator, chain)


@bot.cron(config.fee_cron())
def accrue_fee(time):  # noqa: ANN001, ANN201 - Silverback passes the scheduled time
    operator.accrue_fees()
