"""Serve the demo shop for the benchmark: bare (``--bare``) or personalised, on one port."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo_site.app import create_app, site  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bare", action="store_true")
    args = parser.parse_args()
    app = site(ROOT) if args.bare else create_app(ROOT)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
