"""editor49: a catalogue url written without its first "/" (``tours/tokyo-lights``) was printed
as it is in a recommendation's link, which a browser reads from the page's own path
(/tours/tours/tokyo-lights on a tour's page). It is read from the site's root, as the on-page
links already read it (recommend/links.py); whole URLs and root-relative ones stay as written."""

from __future__ import annotations

import pytest

from omotenashi.recommend.catalog import Item


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("tours/tokyo-lights", "/tours/tokyo-lights"),
        ("item.php?id=3", "/item.php?id=3"),
        ("/tours/kyoto", "/tours/kyoto"),
        ("https://shop.example/tours/x", "https://shop.example/tours/x"),
        ("HTTP://shop.example/x", "HTTP://shop.example/x"),
        ("//cdn.example/x", "//cdn.example/x"),
        # (eye49b) what is no path written without its "/" stays as written
        ("mailto:trips@example.com", "mailto:trips@example.com"),
        ("tel:+81-3-0000", "tel:+81-3-0000"),
        ("?page=2", "?page=2"),
        ("#top", "#top"),
        ("\\x", "\\x"),
    ],
)
def test_a_catalogue_url_is_read_from_the_site_s_root(url: str, kept: str) -> None:
    item = Item(id="x", url=url, title="X", image=None if "?" in url else url)
    assert item.url == kept
    assert item.image in (None, kept)


def test_an_empty_image_stays_empty() -> None:
    assert Item(id="x", url="/x", title="X", image="").image == ""
