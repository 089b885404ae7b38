"""A journey's ``topics:`` written as one text with commas is read as a page's
``omotenashi:topics`` meta reads its content: one topic per comma (editor65: one topic
"hawaii, beach" that no rule's ``interest: hawaii`` named)."""

from __future__ import annotations

import pytest

from omotenashi.rules.journey import TopicRule


@pytest.mark.parametrize(
    ("topics", "read"),
    [
        ("hawaii, beach", ["hawaii", "beach"]),
        (["hawaii,beach", "family"], ["hawaii", "beach", "family"]),
        ("hawaii", ["hawaii"]),
        ("Hawaii ,, Beach,", ["hawaii", "beach"]),
        ([], []),
    ],
)
def test_topics_with_commas_are_several_topics(topics: object, read: list[str]) -> None:
    rule = TopicRule.model_validate({"path": "/tours/*", "topics": topics})
    assert rule.topics == read
