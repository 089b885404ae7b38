"""The proxy's uvicorn log lines name no visitor: no client address, no query (tokens and
e-mail addresses go there). A WebSocket handshake's line, which uvicorn logs on
``uvicorn.error``, not on the access log, named both (proxy67)."""

from __future__ import annotations

import logging

import pytest

from omotenashi.cli.proxy import PrivateAccess, access_log_config


def record(msg: str, args: tuple[object, ...], name: str) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)


@pytest.mark.parametrize(
    ("name", "msg", "args", "line"),
    [
        (
            "uvicorn.access",
            '%s - "%s %s HTTP/%s" %d',
            ("10.0.0.7:5123", "GET", "/shop/?email=a@b.example", "1.1", 200),
            '- - "GET /shop/ HTTP/1.1" 200',
        ),
        (
            "uvicorn.error",
            '%s - "WebSocket %s" [accepted]',
            ("10.0.0.7:5123", "/ws?token=SECRET"),
            '- - "WebSocket /ws" [accepted]',
        ),
        (
            "uvicorn.error",
            '%s - "WebSocket %s" %d',
            ("10.0.0.7:5123", "/ws?sid=abc", 502),
            '- - "WebSocket /ws" 502',
        ),
        ("uvicorn.error", "Started server process [%d]", (42,), "Started server process [42]"),
    ],
)
def test_a_log_line_names_no_visitor(
    name: str, msg: str, args: tuple[object, ...], line: str
) -> None:
    said = record(msg, args, name)
    assert PrivateAccess().filter(said)
    assert said.getMessage() == line


def test_both_of_uvicorns_handlers_pass_through_the_filter() -> None:
    handlers = access_log_config()["handlers"]
    assert handlers["access"]["filters"] == ["private"]
    assert handlers["default"]["filters"] == ["private"]  # (uvicorn.error: handshakes)
