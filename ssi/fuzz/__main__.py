"""``python -m ssi.fuzz``: the protocol state machine at ``SSI_FUZZ_STEPS`` steps."""

from __future__ import annotations

import sys

from ssi.fuzz.run import main

sys.exit(main())
