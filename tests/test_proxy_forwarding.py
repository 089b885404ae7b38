"""What the proxy forwards: hop-by-hop headers, X-Forwarded-*, page requests, redirects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.asgi.arrival import is_page_request
from omotenashi.asgi.codings import accepts_gzip
from omotenashi.proxy.forwarding import (
    end_to_end,
    forwarded_for,
    hop_by_hop,
    request_headers,
    response_headers,
)

names = st.sampled_from(
    [b"connection", b"keep-alive", b"te", b"upgrade", b"x-a", b"X-B", b"cookie", b"host"]
    + [b"Proxy", b"proxy-foo", b"proxy-authorization", b"x-proxy"]
) | st.binary(min_size=1, max_size=12)
values = st.binary(max_size=40) | st.sampled_from([b"x-a, X-B", b"close", b" , ,keep-alive"])
header_lists = st.lists(st.tuples(names, values), max_size=12)


@given(header_lists)
def test_nothing_hop_by_hop_or_named_by_connection_survives(
    headers: list[tuple[bytes, bytes]],
) -> None:
    named = {
        t.strip().lower() for k, v in headers if k.lower() == b"connection" for t in v.split(b",")
    }
    out = end_to_end(headers)
    assert all(not hop_by_hop(k) and k not in named for k, _ in out)
    assert not [k for k, _ in out if k == b"proxy" or k.startswith(b"proxy-")]  # httpoxy
    kept = [
        (k.lower(), v) for k, v in headers if not hop_by_hop(k.lower()) and k.lower() not in named
    ]
    assert out == kept


@given(header_lists, st.sampled_from(["GET", "POST", "HEAD"]), st.booleans())
def test_forwarded_headers_appear_once_and_say_what_we_saw(
    headers: list[tuple[bytes, bytes]], method: str, preserve_host: bool
) -> None:
    out = request_headers(
        headers, method=method, scheme="https", client="198.51.100.7", preserve_host=preserve_host
    )
    got = [k for k, _ in out]
    assert got.count(b"x-forwarded-proto") == 1 and dict(out)[b"x-forwarded-proto"] == b"https"
    assert got.count(b"x-forwarded-for") == 1
    assert dict(out)[b"x-forwarded-for"].endswith(b"198.51.100.7")
    assert got.count(b"x-forwarded-host") <= 1
    assert (b"host" in got) <= preserve_host


@given(st.binary(max_size=60))
def test_accept_encoding_of_any_shape_is_read_without_error(value: bytes) -> None:
    assert accepts_gzip([(b"accept-encoding", value)]) in (True, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"gzip, deflate, br", True),
        (b"br;q=1.0, gzip;q=0.8", True),
        (b"gzip;q=0", False),
        (b"gzip;q=0.000", False),
        (b"*", True),
        (b"identity", False),
        (b"GZIP", True),
        (b"gzip;q=abc", True),
        (b"*;q=0, gzip", True),  # gzip named: taken, whatever * says
        (b"gzip;q=0, *", False),  # named at q=0: * does not bring it back
        (b"br, *;q=0", False),
    ],
)
def test_accepts_gzip(value: bytes, expected: bool) -> None:
    assert accepts_gzip([(b"accept-encoding", value)]) is expected


@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", [(b"accept", b"text/html,*/*")], True),
        ("GET", [(b"accept", b"application/xhtml+xml")], True),
        ("GET", [(b"accept", b"text/*;q=0.9")], True),
        ("GET", [(b"sec-fetch-dest", b"document"), (b"accept", b"*/*")], True),
        ("GET", [(b"accept", b"*/*"), (b"Sec-Fetch-Dest", b"Document")], True),
        ("GET", [(b"sec-fetch-dest", b"iframe")], True),
        ("GET", [(b"sec-fetch-dest", b"script"), (b"accept", b"text/html")], False),
        ("GET", [(b"sec-fetch-dest", b"empty"), (b"accept", b"*/*")], False),  # fetch()
        # No type named (curl, wget, HTTP libraries): the page, as the app would answer it.
        ("GET", [(b"accept", b"*/*")], False),  # curl, a library, a CDN: not named
        ("GET", [(b"accept", b"*/*;q=0.8")], False),
        ("GET", [], False),
        ("GET", [(b"accept", b"application/json")], False),
        ("GET", [(b"accept", b"image/webp,*/*")], False),
        ("GET", [(b"accept", b"text/css,*/*;q=0.1")], False),
        ("POST", [(b"accept", b"text/html")], False),
        ("HEAD", [(b"accept", b"text/html")], False),
    ],
)
def test_is_page_request(method: str, headers: list[tuple[bytes, bytes]], expected: bool) -> None:
    assert is_page_request(method, headers) is expected


@pytest.mark.parametrize(
    ("incoming", "client", "expected"),
    [
        ([], "10.0.0.1", b"10.0.0.1"),
        ([(b"x-forwarded-for", b"203.0.113.9")], "10.0.0.1", b"203.0.113.9, 10.0.0.1"),
        ([(b"x-forwarded-for", b"a, b"), (b"x-forwarded-for", b"c")], "d", b"a, b, c, d"),
        ([(b"x-forwarded-for", b"203.0.113.9")], "203.0.113.9", b"203.0.113.9"),  # resolved
        ([], None, None),
    ],
)
def test_forwarded_for_appends_the_peer(
    incoming: list[tuple[bytes, bytes]], client: str | None, expected: bytes | None
) -> None:
    assert forwarded_for(incoming, client) == expected


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (b"http://origin:8080/site/tours/", b"/tours/"),
        (b"http://origin:8080/site", b"/"),
        (b"http://origin:8080/site?x=1", b"/?x=1"),
        (b"HTTP://ORIGIN:8080/site/a", b"/a"),
        (b"http://origin:8080/sitemap.xml", b"http://origin:8080/sitemap.xml"),  # not under it
        (b"https://elsewhere.example/", b"https://elsewhere.example/"),
        (b"/relative", b"/relative"),
        # (proxy62: a path under the base path went on to /site/site/...; an https address of
        # itself from an origin told X-Forwarded-Proto: https reached the visitor)
        (b"/site/tours/", b"/tours/"),
        (b"/site", b"/"),
        (b"/site?x=1", b"/?x=1"),
        (b"/sitemap.xml", b"/sitemap.xml"),
        (b"https://origin:8080/site/done/", b"/done/"),
        (b"https://origin:8443/site/done/", b"https://origin:8443/site/done/"),
        (b"/site//evil.example", b"/site//evil.example"),
    ],
)
def test_the_origins_absolute_redirects_become_relative(location: bytes, expected: bytes) -> None:
    out = response_headers([(b"Location", location)], b"http://origin:8080/site")
    assert out == [(b"location", expected)]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (b"Refresh", b"5; url=http://origin:8080/site/tours/", b"5; url=/tours/"),
        (b"refresh", b"0;URL='http://origin:8080/site/a?b=1' ", b"0;URL='/a?b=1' "),
        (b"refresh", b'1, "//origin:8080/site/x"', b'1, "/x"'),
        (b"refresh", b"3 http://origin:8080/site", b"3 /"),
        (b"refresh", b"5; url=https://elsewhere.example/", b"5; url=https://elsewhere.example/"),
        (b"refresh", b"5; url=http://origin:8080/other", b"5; url=http://origin:8080/other"),
        (b"refresh", b"5; url=http://origin:8080/site//evil.example", None),  # another host
        (b"refresh", b"5", b"5"),
        (b"refresh", b"soon; url=http://origin:8080/site/a", None),  # no delay: not a refresh
        (
            b"Link",
            b"<http://origin:8080/site/s.css>; rel=preload; as=style, "
            b'<https://cdn.example/a.js>; rel=preload, <http://origin:8080/site>; rel="canonical"',
            b"</s.css>; rel=preload; as=style, "
            b'<https://cdn.example/a.js>; rel=preload, </>; rel="canonical"',
        ),
    ],
)
def test_refresh_and_link_addresses_of_the_origin_become_relative(
    name: bytes, value: bytes, expected: bytes | None
) -> None:
    """As Location is: a browser cannot reach the origin's own address (it is the proxy's)."""
    out = response_headers([(name, value)], b"http://origin:8080/site")
    assert out == [(name.lower(), value if expected is None else expected)]


@pytest.mark.parametrize("method", ["POST", "PUT", "GET"])
def test_expect_is_answered_by_the_proxy_not_forwarded(method: str) -> None:
    """httpx sends the body to the origin without waiting for its 100 Continue, so the
    origin is not asked to wait; the visitor's 100 Continue comes from the proxy's server."""
    incoming = [(b"expect", b"100-continue"), (b"content-length", b"9")]
    out = request_headers(incoming, method=method, scheme="http", client=None, preserve_host=False)
    assert [k for k, _ in out if k == b"expect"] == []
    assert (b"content-length", b"9") in out


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        (b"appsess=s1; Path=/site; HttpOnly", b"appsess=s1; Path=/; HttpOnly"),
        (b"appsess=s1; path=/site/account", b"appsess=s1; path=/account"),
        (b"a=1; Path=/sitemap", b"a=1; Path=/sitemap"),  # not under it
        (b"a=1; Path=/", b"a=1; Path=/"),
        (b"a=1", b"a=1"),
        (b"a=/site; Domain=origin", b"a=/site; Domain=origin"),  # the value is not a path
    ],
)
def test_a_cookie_path_under_the_base_path_is_the_visitors(cookie: bytes, expected: bytes) -> None:
    # (proxy62: Path=/app came back unchanged, so the session of a login was never sent again)
    out = response_headers([(b"Set-Cookie", cookie)], b"http://origin:8080/site")
    assert out == [(b"set-cookie", expected)]
    plain = response_headers([(b"Set-Cookie", cookie)], b"http://origin:8080")
    assert plain == [(b"set-cookie", cookie)]


@pytest.mark.parametrize(
    ("public", "value", "expected"),
    [
        # an origin under /site that trusts X-Forwarded-Host names the visitor's host (sec63:
        # sent on, /site/home was /site/site/home)
        (b"https://shop.example", b"https://shop.example/site/home", b"/home"),
        (b"https://shop.example", b"//shop.example/site/x?y=1", b"/x?y=1"),
        (b"https://shop.example:8443", b"https://shop.example:8443/site", b"/"),
        (b"https://shop.example", b"https://shop.example/other", b"https://shop.example/other"),
        (b"https://shop.example", b"https://evil.example/site/x", b"https://evil.example/site/x"),
        (b"https://shop.example", b"https://shop.example/site//evil.example/x", None),
        (None, b"https://shop.example/site/home", b"https://shop.example/site/home"),
    ],
)
def test_the_visitors_own_address_under_the_base_path_becomes_relative(
    public: bytes | None, value: bytes, expected: bytes | None
) -> None:
    out = response_headers([(b"Location", value)], b"http://origin:8080/site", public)
    assert out == [(b"location", value if expected is None else expected)]
    refresh = response_headers(
        [(b"Refresh", b"0; url=" + value)], b"http://origin:8080/site", public
    )
    assert refresh == [(b"refresh", b"0; url=" + (value if expected is None else expected))]


def test_without_a_base_path_the_visitors_own_address_is_left_as_sent() -> None:
    out = response_headers(
        [(b"Location", b"https://shop.example/home")],
        b"http://origin:8080",
        b"https://shop.example",
    )
    assert out == [(b"location", b"https://shop.example/home")]


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        # the origin's own domain: a browser on shop.example drops the cookie whole (sec63)
        (b"sid=1; Path=/; Domain=origin.internal", b"sid=1; Path=/"),
        (b"sid=1; domain=.Origin.Internal; HttpOnly", b"sid=1; HttpOnly"),
        (b"sid=1; Domain=shop.example", b"sid=1; Domain=shop.example"),
        (b"sid=1; Domain=.example", b"sid=1; Domain=.example"),  # a parent: as set
        (b"sid=1; Domain=ample", b"sid=1; Domain=ample"),  # not the origin's: as set
        (b"sid=1; Domain=.internal", b"sid=1"),  # a parent of the origin's host
        (b"sid=1; Domain=other.example", b"sid=1; Domain=other.example"),  # (a balancer's Host)
        (b"sid=1", b"sid=1"),
    ],
)
def test_the_origins_own_cookie_domain_is_dropped_where_the_visitor_is_not_in_it(
    cookie: bytes, expected: bytes
) -> None:
    base = b"http://origin.internal:8080"
    out = response_headers([(b"Set-Cookie", cookie)], base, b"https://shop.example")
    assert out == [(b"set-cookie", expected)]
    assert response_headers([(b"Set-Cookie", cookie)], base) == [
        (b"set-cookie", cookie)  # (no Host: nothing known of the visitor's address)
    ]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_page_request_without_accept_encoding_asks_for_identity_head_as_get(method: str) -> None:
    """mount66: a HEAD went without one, so the origin could choose br for the HEAD and
    identity for its GET, and their headers differed."""
    incoming = [(b"accept", b"text/html")]
    out = request_headers(incoming, method=method, scheme="http", client=None, preserve_host=False)
    assert (b"accept-encoding", b"identity") in out
