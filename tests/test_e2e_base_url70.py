"""qa70: ``pytest --base-url <your site> e2e/`` ran the demo the suite starts itself and passed,
having touched nothing of the site named. The suite refuses the option at once, saying so."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT


def test_the_e2e_suite_refuses_a_site_it_would_not_test() -> None:
    site = "http://127.0.0.1:9"  # never started: the suite must not get as far as a browser
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "CI")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
        + ["--base-url", site, "e2e/test_readme_example.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stdout + done.stderr  # a usage error, nothing run
    said = " ".join((done.stdout + done.stderr).split())
    assert f"e2e/ tests the demo it starts itself, not the site at {site}" in said
    assert "passed" not in done.stdout
