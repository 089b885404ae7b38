"""How long a set's Jinja templates live: as long as a renderer renders with them, and, once
the reloader let go of the set (and, for its environments, once no set to come renders with
them: a snippet changed), not a moment longer.

Jinja's templates and environments are reference cycles (a template's render functions'
globals name the template; an environment's extensions, filters and cache name the
environment), which ``gc.freeze`` (loader/pacing.py ``settle``) makes permanent: each snippet
edit kept the set it replaced, about 100 KB and 600 objects with the demo's snippets
(reload54), more with more snippets. So when a renderer the reloader let go of is freed (no
request holds its set any more), its copy templates' cycles are broken (``Renderer.copy``:
compiled per load, never shared); when the last renderer of retired environments is, theirs.
Reference counting then frees them. Renderers no reloader let go of (``check``, a script's
``load_ruleset(..., Renderer(...))`` whose rules outlive it) keep theirs, as before.
"""

from __future__ import annotations

import threading
import traceback
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omotenashi.engine.sandbox import BudgetedSandbox
    from omotenashi.loader.snippets import Renderer

_LOCK = threading.Lock()  # renderers are made in load threads, freed in let-go threads or the loop


class Life:
    """What a renderer's finalizer needs, and whether the reloader let go of its set."""

    __slots__ = ("env", "text_env", "copies", "let_go")

    def __init__(self, env: BudgetedSandbox, text_env: BudgetedSandbox, copies: dict[str, Any]):
        self.env, self.text_env, self.copies, self.let_go = env, text_env, copies, False


def use(renderer: Renderer) -> Life:
    """``renderer`` renders with its environments until it is freed."""
    life = Life(renderer.env, renderer.text_env, renderer._copies)
    with _LOCK:
        life.env.users += 1
    weakref.finalize(renderer, _freed, life)
    return life


def let_go(renderer: Renderer, current: Renderer) -> None:
    """The reloader let go of ``renderer``'s set; ``current`` renders the set in force."""
    renderer.life.let_go = True
    if renderer.env is not current.env:  # a snippet changed: nothing to come renders with them
        renderer.env.retired = True


def _freed(life: Life) -> None:
    if life.let_go:
        _broken(list(life.copies.values()))
        life.copies.clear()
    with _LOCK:
        life.env.users -= 1
        last = life.env.users == 0 and life.env.retired
    if last:
        for env in (life.env, life.text_env):
            _broken([*env.cache.values()] if env.cache is not None else [])
            if env.cache is not None:
                env.cache.clear()
            env.__dict__.clear()


def _broken(templates: list[Any]) -> None:
    for template in templates:
        namespace = getattr(template.root_render_func, "__globals__", None)
        if namespace is not None:
            namespace.clear()
        template.__dict__.clear()


def untangled(exc: BaseException) -> None:
    """The frames of ``exc``'s tracebacks, and of the errors it holds or chains, cleared (once
    logged): a load refused for a RuleError caught into a list its own frame holds is a
    reference cycle, which kept the refused load's renderer alive for the next freeze."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        err = todo.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        if err.__traceback__ is not None:
            traceback.clear_frames(err.__traceback__)
        todo += [err.__cause__, err.__context__, *getattr(err, "errors", ())]
