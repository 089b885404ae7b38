"""editor51: a YAML tag (``!mytag``, ``!!python/object``) and a second document (``---``) in
a rule file are said as what they are, with their own fix: both got "check the indentation
and quote text containing ':' or '#'", which fixes neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli_check import check_site


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "rules:\n  - {id: a, slot: x, text: !mytag hi, why: w}\n",
            "r.yaml:2: error: not valid YAML here: the tag '!mytag' (a '!' before a value) is "
            "not read (remove it, or quote the whole value if the '!' is text",
        ),
        (
            "rules:\n  - {id: a, slot: x, text: !!python/object:os.system x, why: w}\n",
            "r.yaml:2: error: not valid YAML here: the tag '!!python/object:os.system'",
        ),
        (  # (eye51c: a quote in it, and a tag outside YAML's own, were named wrong)
            "rules:\n  - {id: a, slot: x, text: !my'tag hi, why: w}\n",
            "r.yaml:2: error: not valid YAML here: the tag \"!my'tag\" (a '!' before a value)",
        ),
        (
            "rules:\n  - {id: a, slot: x, text: !<tag:example.com,2000:x> hi, why: w}\n",
            "r.yaml:2: error: not valid YAML here: the tag 'tag:example.com,2000:x' (a '!'",
        ),
        (
            "rules:\n  - {id: a, slot: x, text: hi, why: w}\n---\nrules: []\n",
            "r.yaml:3: error: not valid YAML here: a second document ('---') in one file: the "
            "file is refused whole (remove the '---' line, or move what follows it into a "
            "file of its own)",
        ),
    ],
    ids=["custom-tag", "python-tag", "quoted-tag", "other-namespace", "second-document"],
)
def test_a_tag_or_a_second_document_is_said_as_what_it_is(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    said: str,
) -> None:
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": text})
    assert code == 1
    assert [line for line in out if line.startswith("rules/")][0].startswith("rules/" + said)
