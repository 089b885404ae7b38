"""Which of the site's goals one request reached: an event it tracked, or the page it viewed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase

from omotenashi.rules.goals import Goal


def goals_reached(
    goals: Iterable[Goal], *, path: str | None, events: Mapping[str, int]
) -> set[str]:
    """Goal ids reached: ``path`` is the viewed page's path (``None`` when not a page view)."""
    reached: set[str] = set()
    for goal in goals:
        if goal.event is not None and events.get(goal.event, 0) > 0:
            reached.add(goal.id)
        elif goal.path is not None and path is not None and fnmatchcase(path, goal.path):
            reached.add(goal.id)
    return reached
