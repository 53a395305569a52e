"""``python -m bot``: the ``factbot`` command (the same as ``python -m bot.cli``)."""

import sys

from bot.cli import main

sys.exit(main())
