"""``python -m bots.cli``: the same as the ``exobot`` command."""

from bots.cli import main

raise SystemExit(main())
