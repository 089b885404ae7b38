"""The plugin loads in every pytest run of a project with omotenashi installed (the pytest11
entry point): importing it loads no Redis client, no settings, no engine and no templates;
its fixtures import those when a test uses them."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("redis", "pydantic", "pydantic_settings", "jinja2", "omotenashi.engine")
HEAVY += ("omotenashi.settings",)
LISTS = "import json, sys, omotenashi.testing; print(json.dumps(sorted(sys.modules)))"


def test_importing_the_plugin_loads_none_of_the_heavy_modules() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LISTS], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = json.loads(done.stdout)
    assert "omotenashi.testing" in loaded
    heavy = [n for n in loaded if any(n == h or n.startswith(f"{h}.") for h in HEAVY)]
    assert heavy == []
