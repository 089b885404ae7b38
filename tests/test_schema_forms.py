"""editor50: the editors' JSON Schemas (``omotenashi schema``, which the rule files name for
their IDE) take every short form the loader takes, so no valid file is marked wrong: the
demo's own files had 14 errors (``stage: interest``, ``query: {utm_campaign: spring}``,
``serendipity: 20%``, the journey's ``path: /tours/*``); and they still refuse what the
loader refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from omotenashi.cli.editors import schemas
from omotenashi.loader.ruleset import validate_file
from omotenashi.recommend.catalog import CatalogFile
from omotenashi.rules.journey import JourneyFile
from omotenashi.rules.yamlsource import load_yaml

ROOT = Path(__file__).resolve().parent.parent


def kind_of(path: Path, data: Any) -> str | None:
    if path.name.startswith("journey") and "rules" not in data:
        return "journey"
    if path.name.startswith("catalog"):
        return "catalog"
    return "rules" if "rules" in data else None  # (a goals file: no schema of its own)


SITE_FILES = [
    (path, kind)
    for path in sorted([*ROOT.glob("rules/*.yaml"), *ROOT.glob("examples/*/rules/*.yaml")])
    if (kind := kind_of(path, load_yaml(path)[0])) is not None
]


def schema_errors(kind: str, data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schemas()[f"{kind}.schema.json"])
    return [f"{list(e.absolute_path)}: {e.message[:120]}" for e in validator.iter_errors(data)]


def loader_takes(kind: str, data: Any) -> bool:
    try:
        if kind == "rules":
            validate_file(data)
        elif kind == "journey":
            JourneyFile.model_validate(data)
        else:
            CatalogFile.model_validate(data)
    except ValueError:  # (pydantic's ValidationError is one)
        return False
    return True


def test_the_site_ships_each_kind_of_file() -> None:
    assert {kind for _, kind in SITE_FILES} == {"rules", "journey", "catalog"}


@pytest.mark.parametrize(
    ("path", "kind"), SITE_FILES, ids=[str(p.relative_to(ROOT)) for p, _ in SITE_FILES]
)
def test_every_file_the_site_ships_is_valid_by_its_schema(path: Path, kind: str) -> None:
    data, _ = load_yaml(path)
    assert loader_takes(kind, data)
    assert schema_errors(kind, data) == []


RULE = {"id": "x", "slot": "hero", "text": "Hi", "why": "You asked."}


def rule(**given: Any) -> dict[str, Any]:
    return {"rules": [{**RULE, **given}]}


SHORT = [  # (kind, data): each taken by the loader, each a short form
    ("rules", rule(when={"stage": "interest"})),
    ("rules", rule(when={"device": "mobile", "country": "jp", "path": "/tours/*"})),
    ("rules", rule(when={"viewed": "kyoto-autumn", "in_cart": "kyoto-autumn"})),
    ("rules", rule(when={"weekday": "sat"})),
    ("rules", rule(when={"query": {"utm_campaign": "spring"}, "visits": 3})),
    ("rules", rule(when={"attr": {"plan": ["gold", "silver"]}, "interest": {"food": 2}})),
    ("rules", rule(when={"not": {"path": "/tours/*"}})),
    ("rules", rule(holdout="10%")),
    ("rules", rule(holdout="12.5%")),
    ("rules", rule(holdout="100%")),
    ("rules", rule(when={"visits": "3", "cart_items": [1, 2], "views": {"ne": 0}})),
    ("rules", rule(when={"event": {"signup": {"at_least": 1}}, "interest": {"food": 2.5}})),
    ("rules", rule(formerly="old-x")),
    (
        "rules",
        rule(
            text=None, snippet="picks.html", recommend={"serendipity": "20%", "exclude": "viewed"}
        ),
    ),
    ("rules", {"categories": {"offers": {"formerly": "deals"}}, "rules": [RULE]}),
    ("journey", {"transitions": [{"to": "interest", "on": "view_item"}]}),
    ("journey", {"decay": [{"from": "consideration", "to": "interest", "when": {}}]}),
    ("journey", {"topics": [{"path": "/tours/*", "topics": "travel"}]}),
    ("catalog", {"items": [{"id": "a", "title": "A", "url": "/a", "tags": "beach"}]}),
]


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    if "rules" in data:
        data = {
            **data,
            "rules": [{k: v for k, v in r.items() if v is not None} for r in data["rules"]],
        }
    return data


@pytest.mark.parametrize(("kind", "data"), SHORT, ids=[str(i) for i in range(len(SHORT))])
def test_a_short_form_the_loader_takes_the_schema_takes(kind: str, data: dict[str, Any]) -> None:
    data = _clean(data)
    assert loader_takes(kind, data), data
    assert schema_errors(kind, data) == []


WRONG = [  # (kind, data): refused by both
    ("rules", rule(when={"stage": "nope"})),
    ("rules", rule(when={"stage": []})),
    ("rules", rule(when={"visits": {"at_least": "three"}})),
    ("rules", rule(when={"query": {"utm": []}})),
    ("rules", rule(holdout="ten percent")),
    ("rules", rule(holdout="150%")),  # (eye50: the percent form kept no bound)
    ("rules", rule(when={"visits": True})),  # (a count is no true/false: whenvalues.py)
    ("rules", rule(when={"visits": {"eq": True}})),
    ("rules", rule(when={"cart_items": "three"})),
    ("rules", rule(when={"event": {"signup": [1, "x"]}})),
    ("rules", rule(holdout="100.5%")),
    ("rules", rule(holdout=150)),
    ("rules", rule(when={"devise": "mobile"})),
    ("journey", {"transitions": [{"to": "nowhere"}]}),
    ("journey", {"topics": [{"path": []}]}),
    ("catalog", {"items": [{"title": "A", "url": "/a"}]}),
]


@pytest.mark.parametrize(("kind", "data"), WRONG, ids=[str(i) for i in range(len(WRONG))])
def test_what_the_loader_refuses_the_schema_refuses(kind: str, data: dict[str, Any]) -> None:
    assert not loader_takes(kind, data)
    assert schema_errors(kind, data) != []
