"""Rule files cannot hurt the site (issue 11, items 4, 5 and 8): alias bombs, control
characters, folders named like files and unsafe attributes are clean ``file:line`` errors, the
app still starts, and at runtime the last good rules stay in force."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from omotenashi import Omotenashi, RuleSetError, Settings
from omotenashi.loader.reload import Reloader, load_all
from omotenashi.metrics import Metrics
from omotenashi.rules.urls import url_problem
from omotenashi.rules.yamlguard import MAX_DEPTH, MAX_FILE_BYTES

from .conftest import client_for, page_app

pytestmark = pytest.mark.security
Make = Callable[..., Settings]
GOOD = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "Everyone sees it."}\n'
# The 469-byte file: nine levels of aliases, 10^9 strings once expanded.
BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{b}: &{b} [*{a},*{a},*{a},*{a},*{a},*{a},*{a},*{a},*{a}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "rules: []\n"
)


def errors_in(folder: Path) -> list[str]:
    with pytest.raises(RuleSetError) as info:
        load_all(Settings(rules={"dir": folder, "snippets_dir": folder / "snippets"}).rules)
    return [str(e) for e in info.value.errors]


def rules_folder(tmp_path: Path, name: str, content: str | bytes) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / "snippets").mkdir(exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (BOMB, ":1: YAML anchors (&a) are not allowed"),
        ("base: &b {x: 1}\nrules: []\n", ":1: YAML anchors (&b)"),
        ("rules: []\nother: *nothing\n", ":2: YAML aliases (*nothing) are not allowed"),
        ("rules: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n", ":1: the file nests"),
        ("rules: []\n# " + "x" * MAX_FILE_BYTES + "\n", f":1: the file is over {MAX_FILE_BYTES}"),
        ("rules: []\nwhy: a\vb\n", ":2: the file contains the control character '\\x0b'"),
        ("rules: []\n\n\nx: \x00\n", ":4: the file contains the control character '\\x00'"),
        ("rules: []\nx: \x85\n", ":2: the file contains the control character '\\x85'"),
        (
            "rules: []\n" + "# filler\n" * 9000 + "x: \x07\n",  # past the first 32 KB searched
            ":9002: the file contains the control character '\\x07'",
        ),
        (b"rules: [\xff]\n", ":1: the file is not UTF-8 text"),
    ],
    ids=[
        "alias-bomb",
        "anchor",
        "unknown-alias",
        "deep",
        "huge",
        "vertical-tab",
        "nul",
        "c1-control",
        "control-far-down",
        "not-utf8",
    ],
)
def test_hostile_or_broken_yaml_is_a_clean_file_line_error(
    tmp_path: Path, content: str | bytes, expected: str
) -> None:
    folder = rules_folder(tmp_path, "bomb.yaml", content)
    errors = errors_in(folder)
    assert len(errors) == 1 and errors[0].startswith(f"{folder / 'bomb.yaml'}{expected}"), errors


def test_a_folder_named_like_a_rule_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    folder = rules_folder(tmp_path, "good.yaml", GOOD)
    (folder / "something.yaml").mkdir()
    (folder / "data").mkdir()
    (folder / "data" / "list.yaml").mkdir()
    errors = errors_in(folder)
    assert sorted(e.split(":", 2)[2].strip() for e in errors) == [
        "this is not a file (rule files are .yaml files)",
        "this is not a file (rule files are .yaml files)",
    ]


@pytest.mark.parametrize(
    "content",
    [BOMB, "rules: []\nwhy: a\vb\n", "rules: []\nx: \x00\n"],
    ids=["bomb", "vertical-tab", "nul"],
)
def test_check_reports_bad_files_without_a_traceback(tmp_path: Path, content: str) -> None:
    folder = rules_folder(tmp_path, "bad.yaml", content)
    (folder / "dir.yaml").mkdir()
    command = [str(Path(sys.executable).parent / "omotenashi"), "check", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "bad.yaml:" in done.stdout + done.stderr and "dir.yaml:1" in done.stdout + done.stderr


@pytest.mark.anyio
async def test_the_app_starts_on_bad_rules_and_keeps_the_last_good_ones(
    make_settings: Make,
) -> None:
    settings = make_settings(GOOD)
    settings.rules.reload_interval = 0.001
    rules_dir = settings.rules.dir
    page = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
    mw = Omotenashi(page_app(page), settings=settings)
    async with client_for(mw) as client:
        assert "Hello" in (await client.get("/")).text
        (rules_dir / "broken.yaml").write_text(BOMB)
        (rules_dir / "nul.yaml").write_bytes(b"rules: []\nx: \x00\n")
        (rules_dir / "folder.yaml").mkdir()
        for _ in range(3):
            assert "Hello" in (await client.get("/")).text  # the last good set stays
    broken = Reloader(settings.rules, Metrics())  # starting on them: defaults, no exception
    assert broken.current.ruleset.rules == []


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java\rscript:alert(1)",
        " \x01javascript:alert(1)",
        "\x00javascript:alert(1)",
        "java\x01script:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "  data:text/html,x",
        "jav&#x09;ascript:alert(1)".replace("&#x09;", "\t"),
    ],
)
def test_script_urls_are_refused_however_they_are_spelled(value: str) -> None:
    assert url_problem(value) is not None


@pytest.mark.parametrize(
    "value", ["https://example.com/a", "/tours/kyoto", "tours?x=1", "mailto:a@b.c", "#top", ""]
)
def test_ordinary_urls_are_allowed(value: str) -> None:
    assert url_problem(value) is None


@pytest.mark.parametrize(
    ("attrs", "allowed", "refused"),
    [
        ({"href": "java\tscript:alert(1)"}, [], True),
        ({"src": "\x01javascript:alert(1)"}, [], True),
        ({"xlink:href": "javascript:alert(1)"}, [], True),
        ({"data": "javascript:alert(1)"}, [], True),
        ({"poster": "javascript:alert(1)"}, [], True),
        ({"formaction": "javascript:alert(1)"}, [], True),
        ({"action": "javascript:alert(1)"}, [], True),
        ({"srcset": "a.jpg 1x, javascript:alert(1) 2x"}, [], True),
        ({"srcdoc": "<script>alert(1)</script>"}, [], True),
        ({"style": "background:url(x)"}, [], True),
        ({"onclick": "steal()"}, [], True),
        ({"OnMouseOver": "steal()"}, [], True),
        ({"charset": "utf-8"}, [], True),  # (charset52: a page's <meta charset> changed)
        ({"CharSet": "utf-8"}, [], True),
        ({"style": "color: red"}, ["style"], False),
        ({"onclick": "track()"}, ["onclick"], False),
        ({"href": "javascript:alert(1)"}, ["href"], True),
        ({"href": "/tours/kyoto", "class": "promo", "alt": "Kyoto"}, [], False),
    ],
)
def test_rule_attrs_are_checked_as_browsers_read_them(
    tmp_path: Path, attrs: dict[str, str], allowed: list[str], refused: bool
) -> None:
    rule = {"id": "a", "slot": "hero", "attrs": attrs, "why": "because", "allow_attrs": allowed}
    content = textwrap.dedent(f"rules:\n  - {rule!r}\n".replace("'", '"'))
    folder = rules_folder(tmp_path, "site.yaml", content.replace("\\x01", "\\u0001"))
    if refused:
        errors = errors_in(folder)
        assert len(errors) == 1 and "cannot be set by a rule" in errors[0], errors
        assert errors[0].startswith(f"{folder / 'site.yaml'}:2: rules[0].attrs")
    else:
        cfg = Settings(rules={"dir": folder, "snippets_dir": folder / "snippets"}).rules
        loaded = load_all(cfg)
        assert loaded.ruleset.rules[0].rule.attrs == attrs
