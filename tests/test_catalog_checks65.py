"""``omotenashi check`` of the recommendations' catalogue and rules (recs65): a price or a
strategy's weight that is no finite number is an error at its line (``price: .inf`` passed, and
the demo's ``round(price)`` failed on every page); a rule whose own ``exclude`` leaves out
``unavailable`` is warned of when the catalogue has an item marked ``available: false``."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

CATALOG = "items:\n  - {id: a, url: /a, title: A%s}\n  - {id: b, url: /b, title: B%s}\n"
RULE = (
    "rules:\n  - id: recs\n    slot: recs\n    snippet: r.html\n    why: because\n"
    "    recommend: {items: 3, %s}\n"
)


@pytest.mark.parametrize(
    ("item", "recommend", "says"),
    [
        (", price: .inf", "", "rules/catalog.yaml:2: error: items[0].price: the price is inf "),
        (", price: .nan", "", "rules/catalog.yaml:2: error: items[0].price: the price is nan "),
        (", price: 1e400", "", "items[0].price: the price is '1e400' (write a price as a number"),
        (", price: 'inf'", "", "items[0].price: the price is 'inf' (write a price as a number"),
        (", price: -1e999", "", "items[0].price: the price is "),
        ("", "strategies: {popular: .nan}", "the weight of popular is nan (use a weight of 0"),
        ("", "strategies: {popular: .inf}", "the weight of popular is inf (use a weight of 0"),
        (
            ", available: false",
            "exclude: [current, purchased, cart]",
            "rules/r.yaml:2: warning: rule 'recs' may recommend the items marked available: "
            "false (such as 'a'): its exclude leaves out unavailable; add it to the list",
        ),
    ],
)
def test_check_says_what_the_catalogue_would_do(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    item: str,
    recommend: str,
    says: str,
) -> None:
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "catalog.yaml").write_text(CATALOG % (item, ""))
    (tmp_path / "rules" / "r.yaml").write_text(RULE % (recommend or "strategies: {popular: 1}"))
    (tmp_path / "snippets" / "r.html").write_text("{% for i in items %}{{ i.title }}{% endfor %}")
    monkeypatch.chdir(tmp_path)
    main(["check", "rules"])
    assert says in capsys.readouterr().out


@pytest.mark.parametrize("exclude", ["", ", exclude: [current, unavailable]"])
def test_no_warning_where_unavailable_items_are_left_out(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    exclude: str,
) -> None:
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "catalog.yaml").write_text(CATALOG % (", available: false", ""))
    (tmp_path / "rules" / "r.yaml").write_text(RULE % f"strategies: {{popular: 1}}{exclude}")
    (tmp_path / "snippets" / "r.html").write_text("{% for i in items %}{{ i.title }}{% endfor %}")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().err


def test_a_catalogue_file_may_be_bigger_than_a_rule_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """recs65: 7,000 items (573 KB) were refused as "over 524288 bytes (split it into
    several)", which one catalogue file cannot be; past its own bound it says what to do."""
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    items = "".join(f"  - {{id: item-{i}, url: /p/{i}, title: Item {i}}}\n" for i in range(12000))
    (tmp_path / "rules" / "catalog.yaml").write_text("items:\n" + items)
    assert (tmp_path / "rules" / "catalog.yaml").stat().st_size > 512 * 1024
    (tmp_path / "rules" / "r.yaml").write_text(RULE % "strategies: {popular: 1}")
    (tmp_path / "snippets" / "r.html").write_text("{% for i in items %}{{ i.title }}{% endfor %}")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    capsys.readouterr()
    with (tmp_path / "rules" / "catalog.yaml").open("a") as file:
        file.write("# " + "x" * (8 * 1024 * 1024) + "\n")
    assert main(["check", "rules"]) == 1
    assert (
        "rules/catalog.yaml:1: error: the file is over 8388608 bytes (give a catalogue this big "
        "from your app instead: Omotenashi(app, catalog=callable))"
    ) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("second", "ignored"),
    [
        ("catalog.json", "rules/catalog.json"),
        ("catalog.yml", "rules/catalog.yml"),
    ],
)
def test_a_second_catalogue_file_is_an_error_naming_the_one_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    second: str,
    ignored: str,
) -> None:
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "catalog.yaml").write_text(CATALOG % ("", ""))
    (tmp_path / "rules" / second).write_text('{"items": [{"id": "c", "url": "/c", "title": "C"}]}')
    (tmp_path / "rules" / "r.yaml").write_text(RULE % "strategies: {popular: 1}")
    (tmp_path / "snippets" / "r.html").write_text("{% for i in items %}{{ i.title }}{% endfor %}")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 1
    assert (
        f"{ignored}:1: error: there are two catalogue files: {ignored} is ignored, "
        "rules/catalog.yaml is read (keep one of them)"
    ) in capsys.readouterr().out


def test_a_list_file_over_its_bound_is_told_to_be_shorter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """i18n67: a data/ list over 512 KiB was told to "split it into several files", which one
    list cannot be (a list is its file)."""
    for folder in ("rules", "rules/data", "snippets"):
        (tmp_path / folder).mkdir()
    items = "".join(f"  - item-{i:07d}\n" for i in range(40000))
    (tmp_path / "rules" / "data" / "big.yaml").write_text("items:\n" + items)
    (tmp_path / "rules" / "r.yaml").write_text(
        "rules:\n  - {id: a, slot: hero, text: X, why: because, when: {viewed_in_list: big}}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 1
    out = capsys.readouterr().out
    assert "rules/data/big.yaml:1: error: the file is over 524288 bytes (keep the list " in out
    assert "shorter: one list is one file)" in out and "several files" not in out


def test_a_big_catalogue_with_a_long_tag_is_one_warning_not_a_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """last67: check read the catalogue again, for the long tag's line, with a rule file's
    bound: a valid 700 KB catalogue stopped it ("over 524288 bytes (split it ...)", exit 2)."""
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    items = "".join(f"  - {{id: item-{i}, url: /p/{i}, title: Item {i}}}\n" for i in range(12000))
    long_tag = "  - {id: tagged, url: /p/t, title: T, tags: [" + "x" * 60 + "]}\n"
    (tmp_path / "rules" / "catalog.yaml").write_text("items:\n" + long_tag + items)
    assert (tmp_path / "rules" / "catalog.yaml").stat().st_size > 512 * 1024
    (tmp_path / "rules" / "r.yaml").write_text(RULE % "strategies: {popular: 1}")
    (tmp_path / "snippets" / "r.html").write_text("{% for i in items %}{{ i.title }}{% endfor %}")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    said = capsys.readouterr()
    assert "rules/catalog.yaml:2: warning:" in said.out and "524288" not in said.out + said.err


def test_a_journey_file_over_its_bound_is_told_to_be_shorter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """last67: told to "split it into several files", where a site has one journey file."""
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "journey.yaml").write_text("# " + "x" * (520 * 1024) + "\n")
    (tmp_path / "rules" / "r.yaml").write_text("rules: []\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 1
    out = capsys.readouterr().out
    assert "keep it shorter: a site has one journey file" in out and "several files" not in out
