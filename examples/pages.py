"""The HTML the small example apps share: one page with a slot, and a sign-in form."""

from __future__ import annotations

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
