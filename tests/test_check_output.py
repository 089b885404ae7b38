"""``omotenashi check``'s findings and its summary in one stream (``2>&1`` into a pipe, as CI
logs and ``| less`` read them): every finding whole on its own line, the summary last."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEAR = "  - {{id: r{n}, slot: s{n}, text: Hi, why: Booked., when: {{bought: [kyoto-autum]}}}}"


@pytest.mark.parametrize("rules", [1, 3, 150], ids=["one", "a-few", "more-than-a-block"])
def test_the_summary_follows_every_finding_on_a_line_of_its_own(tmp_path: Path, rules: int) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "catalog.yaml").write_bytes(
        (ROOT / "rules" / "catalog.yaml").read_bytes()
    )
    lines = ["rules:", *(NEAR.format(n=n) for n in range(rules))]
    (tmp_path / "rules" / "site.yaml").write_text("\n".join(lines) + "\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # (as a shell runs it)
    done = subprocess.run(
        [sys.executable, "-m", "omotenashi", "check", "rules"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    *findings, summary = done.stdout.splitlines()
    assert summary == f"0 error(s), {rules} warning(s)", done.stdout[-500:]
    assert len(findings) == rules
    assert all(line.startswith("rules/site.yaml:") for line in findings), done.stdout[-500:]
    assert all(line.endswith("(did you mean 'kyoto-autumn'?)") for line in findings)
