"""Small helpers shared by the commands."""

from __future__ import annotations

import argparse
import logging
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omotenashi.errors import CommandError
from omotenashi.folders import snippets_beside
from omotenashi.rules.text import topic as folded

if TYPE_CHECKING:
    from omotenashi.settings import RulesSettings


def pairs(items: list[str], convert: Any = str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise CommandError(f"expected name=value, got {item!r}")  # (exit 2: cli61)
        try:
            out[key] = convert(value)
        except ValueError:
            out[key] = value
    return out


def listening(parser: Any) -> None:
    """``--host`` and ``--port``, as the servers the commands start take them."""
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every one)",
    )
    parser.add_argument(
        "--port", type=port, default=8000, metavar="N", help="port to listen on (default 8000)"
    )


LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's


def port(text: str) -> int:
    """A port to listen on, 1 to 65535 (config52: 99999 was announced, and 34463 listened on)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give 1 to 65535") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give 1 to 65535")
    return value


def log_level(text: str) -> str:
    """uvicorn's log level, any case (config52: another was a KeyError, Redis started)."""
    if text.lower() not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(LOG_LEVELS)}")
    return text.lower()


def _not_about_redis(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("omotenashi: Redis ")  # (cli61: msg is its form)


@contextmanager
def talking_to_redis(url: str, setting: str = "OMOTENASHI_REDIS_URL") -> Iterator[None]:
    """Redis failing in the block is one CommandError naming the URL tried (its password
    masked), the ``setting`` that changes it, and a hint when the URL's scheme does not seem to
    match the port (store/tlshint.py). The store's own warnings about Redis, meant
    for a running site's log, would say the same thing again: they are left out."""
    import redis

    from omotenashi.errors import StoreError
    from omotenashi.settingsredis import redis_url_problem
    from omotenashi.store.breaker import masked
    from omotenashi.store.tlshint import tls_hint

    if (problem := redis_url_problem(url)) is not None:  # (cli61: a raw ValueError before)
        raise CommandError(f"{masked(url)} is not a Redis URL: {problem}; {setting} sets it")
    log = logging.getLogger("omotenashi")
    log.addFilter(_not_about_redis)
    try:
        yield
    except BrokenPipeError:  # our own output closed (`| head`): not Redis's doing
        raise
    except (StoreError, redis.RedisError, ConnectionError, TimeoutError) as exc:
        text = str(exc).strip().splitlines()
        why = (text[0] if text else type(exc).__name__).removeprefix("Redis failed: ")
        shown, hint = masked(url), tls_hint(url, why)
        raise CommandError(
            f"Redis at {shown} failed ({why.rstrip('.')}{hint}): check that it runs there; "
            f"{setting} sets the URL"
        ) from exc
    finally:
        log.removeFilter(_not_about_redis)


def folders(rules: RulesSettings, rules_dir: str | None, snippets: str | None) -> RulesSettings:
    """The rule set's settings with a command's ``--rules DIR`` and ``--snippets DIR``: the
    snippets are ``--snippets``, else ``OMOTENASHI_RULES_SNIPPETS_DIR`` when it is set, else
    the folder next to the rules (as ``omotenashi check DIR`` finds them). The time zone and
    the rest stay as the settings say."""
    update: dict[str, Path] = {}
    if rules_dir:
        update["dir"] = Path(rules_dir)
    if snippets:
        update["snippets_dir"] = Path(snippets)
    elif rules_dir and "snippets_dir" not in rules.model_fields_set:
        update["snippets_dir"] = snippets_beside(Path(rules_dir))
    return rules.model_copy(update=update) if update else rules


def whole_at_least(least: int) -> Any:
    """An argparse ``type``: a whole number of ``least`` or more, else the flag's error."""

    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number: write one such as {max(least, 3)}"
            ) from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{text!r} is below {least}: write {least} or more")
        return value

    return whole


def moment(text: str) -> datetime:
    """An argparse ``type``: an ISO date and time (a time alone has no day to preview)."""
    example = "write a date and time such as 2026-11-23T19:00 or 2026-11-23T19:00+09:00"
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", text.strip()):
            raise argparse.ArgumentTypeError(f"{text!r} has no date: {example}") from None
        why = str(exc) if "out of range" in str(exc) or "must be in" in str(exc) else ""
        said = f" ({why})" if why else ""
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date and time{said}: {example}"
        ) from None
    if not 1 < found.year < 9999:  # (a time zone may move it out of Python's years: time53)
        raise argparse.ArgumentTypeError(f"{text!r} is outside the years 0002 to 9998")
    return found


def topic_score(text: str) -> tuple[str, float]:
    """An argparse ``type``: ``TOPIC=SCORE`` with a number for the score."""
    topic, sep, score = text.partition("=")
    if not sep or not topic.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not TOPIC=SCORE: write one such as hawaii=3")
    try:
        value = float(score)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f"{score!r} (in {text!r}) is not a number: write a score such as {topic.strip()}=3"
        )
    return folded(topic), value  # (as rules and pages fold it: ｷｮｳﾄ is キョウト; eye53b)
