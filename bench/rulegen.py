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


PLACES = (
    "hawaii kyoto tokyo osaka hokkaido okinawa lapland bali iceland kenya paris italy rome "
    "venice patagonia norway sweden finland peru chile mexico cuba morocco egypt jordan india "
    "nepal bhutan vietnam laos cambodia thailand japan korea china mongolia canada alaska"
).split()
THEMES = (
    "family couple beach food hiking culture temples winter summer autumn spring city nature "
    "wildlife safari cruise rail wellness art museums history wine trekking diving skiing "
    "festival markets gardens islands lakes mountains desert romance adventure luxury budget "
    "photography cycling"
).split()


def _word(rng: random.Random, length: int = 0) -> str:
    """A topic name as sites write them: a place, a theme, and a season or a number
    (``kyoto-temples-autumn``, ``bali-diving-2``): 60,000 of them, so none repeat often."""
    last = str(length) if length else rng.choice(THEMES)
    return f"{rng.choice(PLACES)}-{rng.choice(THEMES)}-{last}"


def write_named(folder: Path, count: int, *, seed: int = 1) -> None:
    """``count`` rules, each with an interest name of its own, and a catalogue of as many
    topics: most rules name one, some a misspelling of one, some a topic nobody else names
    (what ``omotenashi check``'s "did you mean" looks at)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "snippets").mkdir(exist_ok=True)
    topics = sorted({_word(rng, rng.randint(0, 3) * rng.randint(1, 9)) for _ in range(count)})
    items = [  # ten tags an item: a catalogue file holds at most 512 KiB too
        f"  - {{id: item-{i}, url: /items/{i}, title: Item {i}, "
        f"tags: [{', '.join(topics[i : i + 10])}]}}"
        for i in range(0, len(topics), 10)
    ]
    (folder / "catalog.yaml").write_text("items:\n" + "\n".join(items) + "\n")
    out: list[str] = []
    for index in range(count):
        if index % 1000 == 0:  # files of 1,000 rules (a file is at most 512 KiB)
            if out:
                (folder / f"rules-{index // 1000 - 1:03d}.yaml").write_text("\n".join(out) + "\n")
            out = ["rules:"]
        topic = rng.choice(topics)
        roll = rng.random()
        if roll < 0.2:  # a typo: one letter changed
            at = rng.randrange(len(topic))
            topic = topic[:at] + ("x" if topic[at] != "x" else "z") + topic[at + 1 :]
        elif roll < 0.5:  # a topic pages may tag that the catalogue does not name
            topic = _word(rng, rng.randint(0, 3) * rng.randint(1, 9))
        out += [
            f"  - id: rule-{index}",
            f"    slot: slot-{index % 100}",
            f'    text: "Offer {index}"',
            f'    why: "Because of what you looked at ({index})."',
            f"    when: {{interest: {{{topic}: {{at_least: 1}}}}}}",
        ]
    (folder / f"rules-{(count - 1) // 1000:03d}.yaml").write_text("\n".join(out) + "\n")


def write_sample_failures(folder: Path, count: int, *, failing: bool) -> None:
    """``count`` rules sharing one snippet that fails for the load's sample visitor (a stage
    it was given no message for: one warning, naming the rules) or, not ``failing``, renders."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "snippets").mkdir(exist_ok=True)
    (folder / "snippets" / "by-stage.html").write_text("<p>\n{{ messages[visitor.stage] }}\n</p>\n")
    stages = "{consideration: Compare, purchase: Book}" if failing else "{awareness: Hello}"
    out = ["rules:"]
    for index in range(count):
        out += [
            f"  - id: rule-{index}",
            f"    slot: slot-{index % 100}",
            "    snippet: by-stage.html",
            f"    with: {{messages: {stages}}}",
            f'    why: "Because ({index})."',
        ]
    (folder / "rules.yaml").write_text("\n".join(out) + "\n")
