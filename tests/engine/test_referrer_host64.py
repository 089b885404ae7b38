"""A referrer's punycode host is made Unicode once per URL, not once per referrer rule, and not
at all past the 253 characters a DNS name can have (dos64: a 3.9 KB host of 280 labels cost
9 ms of the event loop for each referrer rule, 95 ms a page with 10)."""

from __future__ import annotations

from omotenashi.engine.globs import unicode_host, url_matcher

LONG = "https://" + "xn--bcher-kva." * 280 + "de/"


def test_one_url_is_made_unicode_once_whatever_the_rules() -> None:
    unicode_host.cache_clear()
    url = "https://www.xn--bcher-kva.de/list"
    rules = [url_matcher([f"*nothing{i}.example*"]) for i in range(10)]
    rules.append(url_matcher(["*bücher.de*"]))
    assert [rule(url) for rule in rules] == [False] * 10 + [True]
    assert unicode_host.cache_info().misses == 1  # (the other ten asked again: kept)


def test_a_host_longer_than_a_dns_name_is_left_as_sent() -> None:
    assert unicode_host(LONG) == LONG and not url_matcher(["*bücher.*"])(LONG)
    short = "https://" + "xn--bcher-kva." * 10 + "de/"
    assert unicode_host(short) == "https://" + "bücher." * 10 + "de/"
