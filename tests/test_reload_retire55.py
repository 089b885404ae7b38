"""A snippet edit's reload frees the Jinja environments of the set it replaced (reload54 left
about 100 KB an edit: templates and environments are reference cycles, which ``gc.freeze``
made permanent), once no request holds that set; a set that shares them keeps them."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from pathlib import Path

import pytest

from omotenashi.loader.reload import Loaded, Reloader
from omotenashi.loader.snippets import Renderer
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

pytestmark = pytest.mark.anyio
RULE = 'rules:\n  - {id: a, slot: hero, snippet: top.html, why: "Shown to all"}\n'
COPY = (
    "rules:\n"
    '  - {id: b, slot: foot, text: "{{ visitor.stage | upper }} and more", why: "Shown to all"}\n'
)


def _reloader(tmp_path: Path) -> tuple[Reloader, Path, Path]:
    rules, snippets = tmp_path / "rules", tmp_path / "snippets"
    rules.mkdir()
    snippets.mkdir()
    (rules / "site.yaml").write_text(RULE)
    (rules / "copy.yaml").write_text(COPY)
    (snippets / "top.html").write_text("<b>top</b>{% include 'foot.html' %}")
    (snippets / "foot.html").write_text("<i>foot one</i>")
    cfg = RulesSettings(dir=rules, snippets_dir=snippets, reload_interval=3600)
    return Reloader(cfg, Metrics()), rules, snippets


async def _gone(ref: weakref.ref[object]) -> bool:
    """Whether ``ref``'s object is freed within a few seconds (the let-go thread polls)."""
    for _ in range(200):
        if ref() is None:
            return True
        await asyncio.sleep(0.025)
    return False


def _top(loaded: Loaded) -> str:
    return loaded.renderer.env.get_template("top.html").render()


async def test_a_snippet_edit_frees_the_environments_of_the_set_it_replaced(
    tmp_path: Path,
) -> None:
    reloader, _, snippets = _reloader(tmp_path)
    reloader.maybe_reload()
    try:
        first = await reloader.check()
        assert _top(first) == "<b>top</b><i>foot one</i>"
        env, text_env = weakref.ref(first.renderer.env), weakref.ref(first.renderer.text_env)
        frozen = gc.get_freeze_count()
        del first
        (snippets / "foot.html").write_text("<i>foot two, longer</i>")
        second = await reloader.check()
        assert _top(second) == "<b>top</b><i>foot two, longer</i>"
        assert await _gone(env) and await _gone(text_env)
        assert gc.get_freeze_count() - frozen < 100  # (about 600 were kept for good)
    finally:
        reloader.stop()


async def test_a_set_still_held_renders_until_let_go_and_a_rules_edit_shares_the_snippets(
    tmp_path: Path,
) -> None:
    """A request that started with the set before the edit renders with it to the end; a
    rules-only reload keeps the environments (nothing compiled again), and they still work."""
    reloader, rules, snippets = _reloader(tmp_path)
    reloader.maybe_reload()
    try:
        held = await reloader.check()
        env = weakref.ref(held.renderer.env)
        (rules / "site.yaml").write_text(RULE.replace("Shown to all", "Shown to everyone"))
        shared = await reloader.check()
        assert shared is not held and shared.renderer.env is held.renderer.env
        await asyncio.sleep(0.2)  # (a let-go thread that would take them apart: not here)
        assert _top(shared) == "<b>top</b><i>foot one</i>"
        (snippets / "foot.html").write_text("<i>foot two, longer</i>")
        edited = await reloader.check()
        await asyncio.sleep(0.2)
        assert _top(held) == "<b>top</b><i>foot one</i>"  # (held: not taken apart)
        assert _top(shared) == "<b>top</b><i>foot one</i>"
        assert _top(edited) == "<b>top</b><i>foot two, longer</i>"
        del held, shared
        assert await _gone(env)
        assert _top(edited) == "<b>top</b><i>foot two, longer</i>"
        assert _copy(edited) == "INTEREST and more"
    finally:
        reloader.stop()


def _copy(loaded: Loaded) -> str:
    template = next(r.template for r in loaded.ruleset.rules if r.rule.id == "b")
    assert template is not None
    return template.render(visitor={"stage": "interest"})


async def test_a_rules_edit_frees_the_copy_templates_of_the_set_it_replaced(
    tmp_path: Path,
) -> None:
    """A rules-only reload keeps the snippets' environments, and compiles copy again: the
    replaced set's copy templates (reference cycles, frozen) were kept for good."""
    reloader, rules, _ = _reloader(tmp_path)
    reloader.maybe_reload()
    try:
        first = await reloader.check()
        assert _copy(first) == "INTEREST and more"
        copy = weakref.ref(next(r.template for r in first.ruleset.rules if r.rule.id == "b"))
        del first
        (rules / "copy.yaml").write_text(COPY.replace("and more", "and more besides"))
        second = await reloader.check()
        assert await _gone(copy)
        assert _copy(second) == "INTEREST and more besides"
        assert _top(second) == "<b>top</b><i>foot one</i>"
    finally:
        reloader.stop()


async def test_refused_snippet_edits_leave_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """eye55: a refused load's renderer (its environments and templates, reference cycles)
    was garbage the paused collector never saw, frozen by the next good load: about 225
    objects for good at each broken save, in every worker."""
    envs: list[weakref.ref[object]] = []
    made = Renderer.__init__

    def spied(self: Renderer, snippets_dir: Path) -> None:
        made(self, snippets_dir)
        envs.append(weakref.ref(self.env))

    monkeypatch.setattr(Renderer, "__init__", spied)
    monkeypatch.setattr(logging.getLogger("omotenashi"), "disabled", True)  # (no record keeps one)
    reloader, _, snippets = _reloader(tmp_path)
    reloader.maybe_reload()
    try:
        await reloader.check()
        for n in range(5):
            (snippets / "foot.html").write_text("<i>foot {% if %}</i>" + "x" * n)  # refused
            await reloader.check()
        (snippets / "foot.html").write_text("<i>foot fixed</i>")
        fixed = await reloader.check()
        assert _top(fixed) == "<b>top</b><i>foot fixed</i>"
        current = fixed.renderer.env
        del fixed
        left = [ref for ref in envs if ref() is not None and ref() is not current]
        for ref in left:
            assert await _gone(ref)
    finally:
        reloader.stop()
    assert len(envs) >= 7  # (the first, five refused, the fixed)


async def test_a_refused_rules_edit_leaves_its_renderer_to_reference_counting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """eye55b: a broken YAML save's RuleError, caught into a list its own frame held, was a
    reference cycle through the traceback keeping the refused load's renderer (and, with a
    snippet changed too, its fresh environments) for the next freeze."""
    made: list[weakref.ref[Renderer]] = []
    build = Renderer.__init__

    def spied(self: Renderer, snippets_dir: Path) -> None:
        build(self, snippets_dir)
        made.append(weakref.ref(self))

    monkeypatch.setattr(Renderer, "__init__", spied)
    monkeypatch.setattr(logging.getLogger("omotenashi"), "disabled", True)
    reloader, rules, snippets = _reloader(tmp_path)
    reloader.maybe_reload()
    try:
        await reloader.check()
        gc.disable()  # (reference counting alone: no collection frees a cycle meanwhile)
        try:
            before = len(made)
            (rules / "site.yaml").write_text("rules: [oops")
            (snippets / "foot.html").write_text("<i>foot two</i>")
            await reloader.check()
            refused = made[before:]
            (rules / "site.yaml").write_text(RULE)
            await reloader.check()
            assert refused and all(ref() is None for ref in refused)
        finally:
            gc.enable()
    finally:
        reloader.stop()
