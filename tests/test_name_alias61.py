"""last60c: a snippet that printed the visitor's name through another name for the visitor
(``{% set v = visitor %}{{ v.name }}``, a macro's argument, ``visitor|attr("name")``) was not
counted against the name cap (``OMOTENASHI_RESPECT_NAME_PER_PAGE``): only ``visitor.name``
written out was. Now any use of ``visitor`` but reading one of its other fields counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import page_app

Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'


@pytest.mark.parametrize(
    ("snippet", "names"),
    [
        ("{{ visitor.name }}", True),
        ("{{ visitor['name'] }}", True),
        ("{% set v = visitor %}{{ v.name }}", True),
        ("{% with v = visitor %}{{ v['name'] }}{% endwith %}", True),
        ("{% macro hi(who) %}{{ who.name }}{% endmacro %}{{ hi(visitor) }}", True),
        ('{{ visitor|attr("name") }}', True),
        ("{% set k = 'na' ~ 'me' %}{{ visitor[k] }}", True),
        ("{% for k in ['name'] %}{{ visitor[k] }}{% endfor %}", True),
        ("{{ visitor.get('name') }}", True),  # (last61: a method of the mapping)
        ("{% for k, v in visitor.items() %}{{ v if k == 'name' }}{% endfor %}", True),
        ("{{ visitor.stage }} {% for t in visitor.interests %}{{ t }}{% endfor %}", False),
        ("{{ visitor['device'] }}{% if visitor.stage == 'interest' %}!{% endif %}", False),
        ("<p>Our sale</p>", False),
        ("{{ visitor.get('stage') }} {{ visitor.get('cart')|length }}", False),  # (last61b)
    ],
)
def test_every_way_of_printing_the_name_counts_against_the_cap(
    snippet: str, names: bool, make_settings: Make
) -> None:
    rules = 'rules:\n  - {id: hi, slot: hero, snippet: hi.html, why: "Hello."}\n'
    settings = make_settings(rules, {"hi.html": snippet})
    loaded = Omotenashi(page_app(PAGE), settings=settings).rules.current
    assert [r.uses_name for r in loaded.ruleset.rules] == [names]
