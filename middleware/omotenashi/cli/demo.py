"""``omotenashi demo``: the demo travel shop with a private, embedded Valkey server."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from omotenashi.cli.args import listening, log_level


def _demo(args: argparse.Namespace) -> int:
    import uvicorn

    from omotenashi.cli.proxy import access_log_config
    from omotenashi.store.breaker import masked
    from omotenashi.store.embedded import EmbeddedRedis

    root = Path(args.root).resolve()
    if not (root / "demo_site").is_dir():
        print(
            f"omotenashi demo: no demo_site/ folder in {root} "
            "(run it in a clone of the repository, or give --root)",
            file=sys.stderr,
        )
        return 2
    multipart = any(importlib.util.find_spec(name) for name in ("python_multipart", "multipart"))
    if not (multipart and importlib.util.find_spec("starlette")):
        print(
            "omotenashi demo: the demo shop needs Starlette and python-multipart: "
            "pip install -e '.[demo]' in the clone (the name on PyPI is not ours)",
            file=sys.stderr,
        )
        return 2
    sys.path.insert(0, str(root))
    server = None
    given = next(  # (any case, as the settings read it: config52)
        (v for k, v in os.environ.items() if k.upper() == "OMOTENASHI_REDIS_URL" and v), None
    )
    if not given:
        server = EmbeddedRedis().start()
        os.environ["OMOTENASHI_REDIS_URL"] = server.url
        redis_note = f"a private {server.binary.name} at {server.url}, started for this demo"
    else:
        redis_note = masked(given)
    from demo_site.app import create_app

    app = create_app(root)
    print(
        f"Omotenashi demo: http://{args.host}:{args.port}  (Redis: {redis_note}; Ctrl+C stops)",
        flush=True,
    )
    try:
        uvicorn.run(  # its line per request names no visitor, as the proxy's (erase54)
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            log_config=access_log_config(),
        )
    finally:
        if server is not None:
            server.close()
    return 0


def register(commands: Any) -> None:
    demo = commands.add_parser(
        "demo", help="run the demo travel shop with an embedded Redis (from a clone: --root)"
    )
    listening(demo)
    demo.add_argument(
        "--root",
        default=".",
        metavar="DIR",
        help="the repository folder: demo_site/, and the rules/ and snippets/ used unless "
        "OMOTENASHI_RULES_DIR or OMOTENASHI_RULES_SNIPPETS_DIR is set (default: this folder)",
    )
    demo.add_argument(
        "--log-level",
        type=log_level,
        default="warning",
        metavar="LEVEL",
        help="uvicorn's log level: critical, error, warning, info, debug or trace "
        "(default warning: no line per request)",
    )
    demo.set_defaults(func=_demo)
