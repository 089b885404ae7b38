"""``omotenashi force --url``: the token is bound to the URL's host (and port) and to nothing
else; an address without an http(s) scheme and a host is refused, not signed for every host."""

from __future__ import annotations

import base64
import json

import pytest

from omotenashi import Settings
from omotenashi.cli.main import main
from omotenashi.identity.preview import ForceSigner

KEY = "a-test-key-of-enough-length"


def payload(token: str) -> dict[str, object]:
    body = token.split(".")[0]
    data: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return data


@pytest.mark.parametrize(
    ("url", "bound"),
    [
        ("https://shop.example/tours?x=1", "shop.example"),
        ("https://shop.example:443/", "shop.example"),
        ("http://127.0.0.1:8000/", "127.0.0.1:8000"),
        ("HTTPS://Shop.Example./", "shop.example"),
        ("https://qa:hunter2@staging.example/", "staging.example"),  # never the user part
        ("https://qa@staging.example:8443/", "staging.example:8443"),
        ("http://[::1]:8000/", "[::1]:8000"),
        ("http://東京.example/", "xn--1lqs71d.example"),  # as a browser's Host names it
    ],
)
def test_a_force_link_is_bound_to_its_urls_host_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, bound: str
) -> None:
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", KEY)
    assert main(["force", "--rule", "hi", "--url", url, "--cookie"]) == 0
    out = capsys.readouterr().out
    token = out.strip().removeprefix("omo_preview=")
    scheme = url.split(":")[0].lower()
    signer = ForceSigner(Settings(secret_keys=[KEY]))
    assert payload(token)["h"] == bound and "hunter2" not in out
    assert signer.read(token, bound, scheme) is not None
    assert signer.read(token, "evil.example", scheme) is None


@pytest.mark.parametrize(
    "url",
    [
        "shop.example",
        "shop.example:8000/",
        "//shop.example/",
        "ftp://shop.example/",
        "https:///x",
        "https://shop.example:port/",
        "",
    ],
)
def test_an_address_without_a_scheme_or_host_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", KEY)
    assert main(["force", "--rule", "hi", "--url", url]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("omotenashi force: --url: ") and err.count("\n") == 1


def test_a_preview_key_that_is_a_cookie_key_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", KEY)
    monkeypatch.setenv("OMOTENASHI_PREVIEW_KEYS", KEY)
    assert main(["force", "--rule", "hi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("omotenashi force: OMOTENASHI_PREVIEW_KEYS: a preview key is also")
    assert "--preview-keys" not in err


@pytest.mark.parametrize(
    ("url", "before", "after"),
    [
        ("https://shop.example/page", "https://shop.example/page?", ""),
        ("https://shop.example/page?a=1", "https://shop.example/page?a=1&", ""),
        ("https://shop.example/page#top", "https://shop.example/page?", "#top"),
        ("https://shop.example/p?a=1#top?b", "https://shop.example/p?a=1&", "#top?b"),
        ("https://shop.example/p?", "https://shop.example/p?", ""),
    ],
)
def test_a_force_links_token_is_in_its_query_never_its_fragment(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    before: str,
    after: str,
) -> None:
    # (a fragment in --url took the token after it: the browser never sent it, and the page
    # the QA opened was not forced)
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", KEY)
    assert main(["force", "--rule", "hi", "--url", url]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith(before + "omo_preview=") and link.endswith(after)
    token = link.removeprefix(before + "omo_preview=").removesuffix(after)
    assert ForceSigner(Settings(secret_keys=[KEY])).read(token, "shop.example", "https")


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://qa:hunter2@staging.example/p#top", "https://staging.example/p?"),
        ("https://qa@staging.example:8443/", "https://staging.example:8443/?"),
        ("https://a:b@c@staging.example/x?y=@z", "https://staging.example/x?y=@z&"),
    ],
)
def test_a_force_link_never_carries_the_user_and_password_of_its_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, link: str
) -> None:
    # (the link printed was the --url given, password and all: pasted into a ticket)
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", KEY)
    assert main(["force", "--rule", "hi", "--url", url]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(link + "omo_preview=") and "@" not in out.split("?")[0]
    assert err == (
        "omotenashi force: the link leaves out the user and password of --url "
        "(a link is shared: the browser asks for them)\n"
    )
