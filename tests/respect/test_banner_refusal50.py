"""consent50: a refusal the consent banner's cookie records is no consent now, whatever
``consent(request, True)`` said before (a site whose "accept" calls Python and whose banner
later records a "no" kept tracking the visitor). Not a withdrawal: nothing is erased, and a
"yes" in that cookie resumes. The one decision: respect/privacy.py."""

from __future__ import annotations

import pytest

from omotenashi.engine.restraint import Prefs
from omotenashi.respect.privacy import decide_privacy
from omotenashi.settings import RespectSettings

SITE = RespectSettings(consent_required=True)


@pytest.mark.parametrize(
    ("banner", "given_in_python", "missing"),
    [
        (None, False, True),
        (None, True, False),
        ("1", False, False),
        ("granted", True, False),
        ("0", True, True),  # the banner's later "no" wins over Python's earlier "yes"
        ("denied", True, True),
        (" No ", True, True),
        ("0", False, True),
        ("maybe", True, False),  # no refusal: Python's "yes" stands
        ("maybe", False, True),
    ],
)
def test_a_refusal_in_the_banner_s_cookie_is_no_consent(
    banner: str | None, given_in_python: bool, missing: bool
) -> None:
    headers = {"cookie": f"a=b; omo_consent={banner}"} if banner is not None else {}
    got = decide_privacy(headers, Prefs(consent=given_in_python), SITE)
    assert (got.consent_missing, got.reason) == (missing, "consent" if missing else "")


def test_outside_consent_mode_the_banner_s_cookie_is_not_read() -> None:
    got = decide_privacy({"cookie": "omo_consent=0"}, Prefs(), RespectSettings())
    assert (got.consent_missing, got.reason) == (False, "")
