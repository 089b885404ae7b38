"""``omotenashi check`` warns of a ``referrer``, ``first_referrer`` or ``path`` glob that never
matches what it is matched against, at the field's line, with the glob that would: a browser
sends a referrer as a whole URL (scheme and host in lower case, at least '/' after the host),
the first referrer is kept as its site (engine/facts.py ``site_of``: ``https://host/``), and a
request's path holds neither its query nor its fragment (editors46: ``first_referrer:
"https://www.google.com"`` never matched, and check said nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine.facts import site_of
from omotenashi.engine.globs import url_matcher
from omotenashi.loader.referrerchecks import referrer_problem

from .test_cli_check import check_site

GOOGLE = "https://www.google.com/search?q=kyoto"  # what the browser sends, policy aside


def check(
    tmp_path: Path,
    when: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> list[str]:
    text = (
        'rules:\n  - id: a\n    slot: hero\n    text: X\n    why: "Because."\n'
        f"    when:\n      {when}\n"
    )
    _, out = check_site(tmp_path, monkeypatch, capsys, {"site.yaml": text})
    return [x for x in out if ": warning: rules[0]" in x]


@pytest.mark.parametrize(
    ("when", "said"),
    [
        (
            'first_referrer: "https://www.google.com"',
            "rules/site.yaml:7: warning: rules[0].when.first_referrer: 'https://www.google.com' "
            "never matches: the first referrer is kept as its site, ending in '/' "
            "('https://www.google.com/') (write 'https://www.google.com/')",
        ),
        (
            'referrer: ["*bing.*", "https://www.google.com"]',
            "rules/site.yaml:7: warning: rules[0].when.referrer[1]: 'https://www.google.com' "
            "never matches: a referrer always has a path after its host, at least '/' "
            "(write 'https://www.google.com/*')",
        ),
        (
            "referrer: www.google.com/*",
            "rules/site.yaml:7: warning: rules[0].when.referrer: 'www.google.com/*' never "
            "matches: a referrer is a whole URL, starting with its scheme "
            "(write 'https://www.google.com/*')",
        ),
        (
            'first_referrer: "https://WWW.Google.com/"',
            "rules/site.yaml:7: warning: rules[0].when.first_referrer: "
            "'https://WWW.Google.com/' never matches: browsers send the scheme and the host in "
            "lower case ('https://www.google.com/') (write 'https://www.google.com/')",
        ),
        (
            "any:\n        - {new: true}\n        - not: {first_referrer: https://news.example}",
            "rules/site.yaml:9: warning: rules[0].when.any[1].not.first_referrer: "
            "'https://news.example' never matches: the first referrer is kept as its site, "
            "ending in '/' ('https://news.example/') (write 'https://news.example/')",
        ),
        (
            'path: ["/tours/*", "/search?q=*"]',
            "rules/site.yaml:7: warning: rules[0].when.path[1]: '/search?q=*' names a query, "
            "which a path never holds ('?' matches any one character) (write the path "
            "'/search' and the query as a condition: query: {q: ...})",
        ),
        (
            "path: /tours#dates",
            "rules/site.yaml:7: warning: rules[0].when.path: '/tours#dates' names a fragment "
            "('#...'), which browsers never send (a path holds '#' only where the link escapes "
            "it as '%23') (write '/tours'; '[#]' matches an escaped '#', '%23')",
        ),
        ('first_referrer: ["https://www.google.com/", "*google.*", "https://x.example/*"]', None),
        ('referrer: ["https://www.google.com/*", "*google.*", "*news.example/a*"]', None),
        ('path: ["/tours/*", "/a?b", "/tours/[a-z]*"]', None),
    ],
)
def test_a_glob_that_never_matches_is_a_warning_at_its_field(
    when: str,
    said: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check(tmp_path, when, monkeypatch, capsys) == ([said] if said else [])


@pytest.mark.parametrize(
    ("field", "glob", "sent"),
    [
        ("first_referrer", "https://www.google.com", GOOGLE),
        ("first_referrer", "www.google.com", GOOGLE),
        ("first_referrer", "https://www.google.com/search*", GOOGLE),
        ("first_referrer", "*google.com", GOOGLE),
        ("first_referrer", "https://*.google.com", GOOGLE),
        ("first_referrer", "https://WWW.GOOGLE.COM", GOOGLE),
        (
            "first_referrer",
            "android-app://com.google.android.gm",
            "android-app://com.google.android.gm/",
        ),
        ("referrer", "https://www.google.com", GOOGLE),
        ("referrer", "https://www.google.com", "https://www.google.com/"),
        ("referrer", "google.com", "https://google.com/"),
        ("referrer", "www.google.com/*", GOOGLE),
        ("referrer", "https://*.google.com", GOOGLE),
        ("referrer", "HTTPS://www.google.com/*", GOOGLE),
    ],
)
def test_the_glob_said_matches_what_the_engine_matches(field: str, glob: str, sent: str) -> None:
    """What the hint writes matches the referrer as the engine sees it, and the glob it
    replaces did not (the engine's own matcher: the check cannot drift from it)."""
    seen = site_of(sent) if field == "first_referrer" else sent
    said = referrer_problem(field, glob)
    assert said is not None
    fixed = said[1].removeprefix("write ").strip("'")
    assert not url_matcher([glob])(seen)
    assert url_matcher([fixed])(seen), (fixed, seen)


@pytest.mark.parametrize(
    ("field", "site", "fixed"),
    [
        ("referrer", "google", "https://www.google.com/*"),
        ("first_referrer", "Facebook", "https://www.facebook.com/"),
    ],
)
def test_a_site_s_name_is_said_to_be_no_url_with_a_glob_for_its_sites(
    field: str, site: str, fixed: str
) -> None:
    """(editor49) `referrer: google` was told to write 'https://google/*', which matches no
    Google site; a bare name gets its main site's glob, with no '*' in the host (which would
    match other sites' hosts too: eye50)."""
    said = referrer_problem(field, site)
    assert said is not None
    assert said[0].startswith(f"{site!r} never matches: a referrer is a whole URL, such as ")
    assert said[1].startswith(f"write each of its sites you mean, e.g. {fixed!r}")
    matches = url_matcher([fixed])
    sent = GOOGLE if site == "google" else "https://www.facebook.com/groups/x"
    assert matches(site_of(sent) if field == "first_referrer" else sent)
    assert not matches("https://www.google.com.evil.example/")  # (eye50: no '*' in the host)
