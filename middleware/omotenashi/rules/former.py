"""Former names: the ids a rule, and the names a category, were known by before a rename.

Visitors' choices, caps, what was shown and measurement are kept under ids and categories, so
a renamed rule or category names what it was (``formerly:``) and all of that carries on under
the new name (engine/renames.py). Former names are written oldest first: a rule's holdout is
drawn on its first id, as it was before any rename.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from omotenashi.rules.text import UNSEEN, unstopped
from omotenashi.rules.text import problem as text_problem

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
MAX_RULE_ID = 63  # characters: a profile's 's<id>' and 'k<id>' fit 64 bytes (engine/limits.py)
FORMERLY = (
    "Ids this rule was known by, oldest first: visitors' choices, caps, holdout arms and "
    "measurement kept under them carry on under its id."
)
FORMERLY_CATEGORY = (
    "Names this category was known by, oldest first: kinds visitors switched off under them "
    "stay off."
)


def _as_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


LABEL_MOST = 60  # characters of a category's label


def _label(text: str) -> str:
    """A category's label: one line, no final full stop, not empty, at most LABEL_MOST."""
    said = unstopped(" ".join(text.split()))
    if unseen := UNSEEN.search(said):  # (a bidi override would turn the page's text around it)
        at, char = unseen.start(), unseen.group()  # (named: i18n67, "retype it" said not what)
        where = f"after {said[:at][-20:]!r}" if at else "at its start"
        problem = f"the label holds a character no one sees ({char!r}, U+{ord(char):04X}, {where})"
        hint = "retype the label without it (a copy from a web page or a PDF may carry one)"
        raise text_problem(problem, hint)
    if not said or len(said) > LABEL_MOST:
        problem = f"the label is {len(said)} characters long" if said else "the label is empty"
        hint = f"write the words visitors read, at most {LABEL_MOST} characters: label: 温泉"
        raise text_problem(problem, hint)
    return said


OldId = Annotated[str, Field(pattern=SLUG, max_length=MAX_RULE_ID)]
Formerly = Annotated[list[OldId], BeforeValidator(_as_list)]
CategoryName = Annotated[str, Field(pattern=SLUG)]


class Category(BaseModel):
    """What a rule file says of a category (``categories: {offers: {formerly: [deals]}}``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    formerly: Annotated[list[CategoryName], BeforeValidator(_as_list)] = Field(
        default_factory=list, description=FORMERLY_CATEGORY
    )
    label: Annotated[str, AfterValidator(_label)] | None = Field(
        default=None, description="What the preferences page calls this kind: label: 温泉."
    )  # (a switch named in the site's words, not its name's: "Onsen" for onsen; japan53)
