"""The word after "Don't show me this" (engine/flash.py ``place``) is never put inside an
element whose inline ``style`` hides what is in it (``display: none``, however written;
``visibility: hidden``; ``content-visibility: hidden``): it goes after the outermost such
element around the block, as after one with ``hidden``. "@" marks where it goes (none: said
nowhere); the page is otherwise the bytes it was. Seen in Chromium: e2e/test_done_placed.py."""

from __future__ import annotations

import pytest

from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.flash import Flash, confirm
from omotenashi.engine.ruleset import RuleSet
from tests.engine.test_flash_places import DOC, HERO, NOW, OFF, RULE

END = "<footer>f</footer></body></html>"


@pytest.mark.parametrize(
    ("marked", "anchor"),
    [
        (f'{DOC}<div style="display: none">{HERO}</div>@{END}', "hero"),
        (f'{DOC}<div style="display: none ! important">{HERO}</div>@{END}', "hero"),
        (f'{DOC}<div style="DISPLAY:/*x*/NONE">{HERO}</div>@{END}', "hero"),
        (f'{DOC}<div style="display: none /* c */">{HERO}</div>@{END}', "hero"),
        (f"{DOC}<div style='visibility:hidden'><section>{HERO}</section></div>@{END}", "hero"),
        (f'{DOC}<div style="visibility: collapse">{HERO}</div>@{END}', "hero"),
        (f'{DOC}<div style="content-visibility:hidden">{HERO}</div>@{END}', "hero"),
        (f'{DOC}<main><div style="display:none"><p>x</p>{HERO}</div>@</main>{END}', "hero"),
        (  # the outermost
            f'{DOC}<div style="display:none"><div style="display:none">{HERO}</div></div>@{END}',
            "hero",
        ),
        (f'{DOC}<div style="display:none"><details>{HERO}</details></div>@{END}', "hero"),
        (f'{DOC}<div hidden><div style="display:none">{HERO}</div></div>@{END}', "hero"),
        # styles that hide nothing: right after the block
        (f'{DOC}<div style="border: none">{HERO}@</div>{END}', "hero"),
        (f'{DOC}<div style="display:block /* none */">{HERO}@</div>{END}', "hero"),
        (f"{DOC}<div style=\"content:'display:none'\">{HERO}@</div>{END}", "hero"),
        (f'{DOC}<div style="display:none; display:block">{HERO}@</div>{END}', "hero"),
        (f'{DOC}<div style="visibility:hidden;visibility:visible">{HERO}@</div>{END}', "hero"),
        (f'{DOC}<div style="display:none">x</div>{HERO}@{END}', "hero"),  # before it, closed
        (f'{DOC}<div id="hero" data-omo-slot="hero" style="display:none">H</div>@{END}', "hero"),
        # one left open to the end: not before </body> (as for hidden), nowhere
        (f'{DOC}<p>x</p><div style="display:none">y{END}', "gone"),
        (f'{DOC}<p>x</p><div style="visibility:hidden">y{END}', "gone"),
        (f'{DOC}<div style="display:none">{HERO}{END}', "hero"),
        (f'{DOC}<p>x</p><div style="border:none">y<footer>f</footer>@</body></html>', "gone"),
    ],
)
def test_the_word_is_never_put_where_an_inline_style_hides_it(marked: str, anchor: str) -> None:
    page = marked.replace("@", "")
    flash = Flash("seen-hero", NOW, anchor=anchor)
    got, said = confirm(
        page, flash, RuleSet(rules=[RULE]), OFF, NOW, Disclosure(True), "data-omo-slot"
    )
    assert said == ("@" in marked)
    if said:
        at = marked.index("@")
        assert got.index('<div class="omo-done"') == at and got[:at] == page[:at]
        assert got.endswith(page[at:])
    else:
        assert got == page
