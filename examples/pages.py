"""The HTML the small example apps share: one page with a slot, and a sign-in form."""

from __future__ import annotations

from omotenashi import Visitor

HOME = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>The tea house</title>
  <meta name="omotenashi:topics" content="tea">
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <p data-omo-slot="greeting">Welcome to the tea house.</p>
  <p id="seen">{seen}</p>
  <form method="post" action="/cart"><button>Add sencha to the cart</button></form>
  <p><a href="/login">Sign in</a></p>
</body>
</html>
"""

LOGIN = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in</title></head>
<body>
  <form method="post" action="/login">
    <label>Your name <input name="user" required></label>
    <button>Sign in</button>
  </form>
</body>
</html>
"""


def seen(views: int | None) -> str:
    """What the page says about the visitor, from ``get_visitor`` (None: not known)."""
    if views is None:
        return ""
    return f"Pages you had seen before this one: {views}"


async def views_before(visitor: Visitor | None) -> int | None:
    """Pages the visitor had seen before this one, for the page to say: None for bots and
    skipped paths, and while they have switched their browsing history off (it may then choose
    nothing they see; ``profile`` still holds it for the site's own needs), or when it could
    not be read (``degraded``: Redis down or slow, the profile empty: "0" would be untrue)."""
    if visitor is None or visitor.history_off:
        return None
    profile = await visitor.loaded()
    return None if visitor.degraded else profile.views
