"""``python -m omotenashi.cli``: the same as the ``omotenashi`` command."""

from omotenashi.cli.main import main

raise SystemExit(main())
