"""Generate a large, realistic rule set for the benchmarks: N rules over S slots.

Rules mix what editors write: stages, devices, interests, campaign query keys, paths,
attributes, visits; copy with and without the visitor's name; priorities.
"""

from __future__ import annotations

import random
from pathlib import Path

STAGES = ("awareness", "interest", "consideration", "purchase", "loyalty")
DEVICES = ("mobile", "desktop", "tablet")
TOPICS = ("hawaii", "kyoto", "family", "couple", "culture", "beach", "food", "hiking")


def _when(rng: random.Random) -> list[str]:
    lines: list[str] = []
    if rng.random() < 0.6:
        lines.append(f"      stage: [{rng.choice(STAGES)}]")
    if rng.random() < 0.3:
        lines.append(f"      device: [{rng.choice(DEVICES)}]")
    if rng.random() < 0.4:
        lines.append(f"      interest: {{{rng.choice(TOPICS)}: {{at_least: {rng.randint(1, 4)}}}}}")
    if rng.random() < 0.15:
        lines.append(f"      query: {{utm_campaign: {{eq: camp-{rng.randint(1, 50)}}}}}")
    if rng.random() < 0.15:
        lines.append(f'      path: ["/tours/{rng.choice(TOPICS)}*"]')
    if rng.random() < 0.2:
        lines.append(f"      attr: {{tier: {{eq: gold{rng.randint(1, 3)}}}}}")
    if rng.random() < 0.2:
        lines.append(f"      visits: {{at_least: {rng.randint(2, 6)}}}")
    return ["    when:", *lines] if lines else []


def write_rules(
    folder: Path, count: int, slots: int, *, per_file: int = 1000, seed: int = 1
) -> None:
    """``count`` rules over ``slots`` slots (``slot-0`` ...) in files of ``per_file`` rules."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "snippets").mkdir(exist_ok=True)
    for start in range(0, count, per_file):
        out = ["rules:"]
        for index in range(start, min(count, start + per_file)):
            text = (
                "Welcome back, {{ visitor.name }}: offer " + str(index)
                if index % 7 == 0
                else f"Offer {index}: {rng.choice(TOPICS)} tours this week"
            )
            out += [
                f"  - id: rule-{index}",
                f"    slot: slot-{index % slots}",
                f'    text: "{text}"',
                f"    priority: {rng.randint(0, 100)}",
                f'    why: "Shown because of what you looked at ({index})."',
                *_when(rng),
            ]
        (folder / f"rules-{start // per_file:03d}.yaml").write_text("\n".join(out) + "\n")
