"""The ``omotenashi`` command: the demo, and tools for editors, QA and support.

omotenashi demo [--host H] [--port P]
omotenashi check [RULES_DIR] [--snippets DIR] [--templates DIR]
omotenashi schema [--out DIR]
omotenashi preview PAGE [--stage S] [--segment S] [--attr k=v] [--interest t=n] ...
omotenashi force [--rule ID] [--stage S] [--attr k=v] [--ttl S] [--url URL]
omotenashi profile show|set|delete VISITOR [field=value ...]
"""

from __future__ import annotations

import argparse

from omotenashi.cli import demo, editors, preview, qa

# Each module adds its own sub-commands: register(commands).
COMMANDS = (demo, editors, preview, qa)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="omotenashi", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(commands)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
