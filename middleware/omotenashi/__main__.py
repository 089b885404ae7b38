"""``python -m omotenashi``: the ``omotenashi`` command (``omotenashi.cli``)."""

from __future__ import annotations

from omotenashi.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
