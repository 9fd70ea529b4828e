"""PMM, custodian and keeper in one Silverback bot: `silverback run desk` (a small desk, the tests, the demo)."""

from ape import chain
from silverback import SilverbackBot

from ssi.operators import config
from ssi.operators.wiring import setup_logging, wire

setup_logging()
bot = SilverbackBot()
session = config.connect()
operators = [config.pmm_from_env(session), config.custodian_from_env(config.connect()),
             config.keeper_from_env(config.connect())]
for operator in operators:
    operator.lock = operators[0].lock  # one process, one provider: one action at a time across the desk
    wire(bot, operator, chain)


@bot.cron(config.fee_cron())
def accrue_fee(time):  # noqa: ANN001, ANN201 - Silverback passes the scheduled time
    operators[2].accrue_fees()
