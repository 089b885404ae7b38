"""Where a choice made on the preferences page takes the browser: to the notice that says it
(``#omo-notice``, focused there: tabindex="-1"), only when a notice is signed for the visitor;
a target that names its own place (``#erase``, a site page's ``#omo-done``) is left as it is."""

from __future__ import annotations

import pytest

from omotenashi import Settings
from omotenashi.identity.cookie import CookieSigner
from omotenashi.respect.preferences import marked

PREFS = "/_omotenashi/preferences"


@pytest.mark.parametrize(
    ("target", "to_notice"),
    [
        (PREFS + "?saved=1", True),
        (PREFS + "?erased=1", True),
        (PREFS + "?failed=1", True),
        (PREFS + "?confirm=erase#erase", False),  # asks first: its own place on the page
        (PREFS, False),  # nothing to say
        ("/tours/a?saved=1#omo-done", False),  # a site page's own parameter: never marked
    ],
)
def test_a_signed_notice_is_where_the_browser_lands(target: str, to_notice: bool) -> None:
    signer = CookieSigner(Settings(secret_keys=["k" * 32]))
    went = marked(signer, target, "v1")
    if to_notice:
        base, _, fragment = went.partition("#")
        assert fragment == "omo-notice" and base.startswith(target + "&n=")
    else:
        assert went == target
