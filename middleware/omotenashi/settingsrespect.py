"""The respect group of the settings (``OMOTENASHI_RESPECT_<FIELD>``): what visitors are told
and may switch, and the restraint kept for them; imported from :mod:`omotenashi.settings` as
ever."""

from __future__ import annotations

import re

from jinja2 import Environment, TemplateSyntaxError
from pydantic import Field, FilePath, field_validator

from omotenashi.settingsredis import _Group

TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # a cookie's name (RFC 6265's token)
# A language tag (BCP 47's shape: a language of 2-3 letters, then subtags of 1-8 letters or
# digits: ja, pt-BR, zh-Hant-TW, sr-Latn)
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,6}")


class RespectSettings(_Group):
    disclosure: bool = Field(
        default=True, description="Add a 'why am I seeing this' note to personalised blocks."
    )
    page_panel: bool = Field(
        default=True, description="Add a panel listing every decision on the page."
    )
    budget: int = Field(default=4, ge=0, description="Most personalised slots on one page.")
    intent_budget: int = Field(
        default=1, ge=1, description="Most blocks with the same intent: on one page."
    )
    name_per_page: int = Field(default=1, ge=0, description="Most uses of the name per page.")
    name_per_day: int = Field(default=3, ge=0, description="Most uses of the name per day.")
    fresh_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of page views where blocks made from what is kept of the visitor "
        "show their defaults (blocks for everyone or for the moment still show).",
    )
    honour_gpc: bool = Field(
        default=True, description="Sec-GPC: 1 or DNT: 1 turn behavioural personalisation off."
    )
    private_contextual: bool = Field(
        default=True,
        description="Under GPC/DNT or without consent, rules on device, time, campaign apply.",
    )
    consent_required: bool = Field(
        default=False, description="Write no profile until the visitor has consented."
    )
    count_prefetch: bool = Field(
        default=True,
        description="Pages a browser fetches ahead (prefetch, prerender) count as viewed: most "
        "are opened, unasked; false: personalised, nothing recorded.",
    )
    consent_cookie: str = Field(
        default="omo_consent",
        description="A cookie your consent banner sets to 1/yes/true/granted to give consent.",
    )

    @field_validator("consent_cookie")
    @classmethod
    def _a_cookie_name(cls, name: str) -> str:
        """A name no cookie can have (``a;b``, "") would never be read: consent never given
        (config52)."""
        if not TOKEN.fullmatch(name):
            raise ValueError(
                "it should be a cookie's name: letters, digits, - _ . (no ; , = or space)"
            )
        return name

    preferences_template: FilePath | None = Field(  # a missing file: said at startup
        default=None, description="Your own Jinja2 template for the preferences page."
    )

    @field_validator("preferences_template")
    @classmethod
    def _a_template(cls, path: FilePath | None) -> FilePath | None:
        """A template Jinja cannot read is said at startup, at its line (config69: it was
        found at the first visitor's request, and every visitor lost the page's switches)."""
        if path is not None:
            try:
                Environment().parse(path.read_text(encoding="utf-8"))
            except TemplateSyntaxError as exc:
                raise ValueError(f"line {exc.lineno}: {exc.message} (fix the template)") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"it cannot be read as UTF-8 text ({exc})") from None
        return path

    history_category: str = Field(
        default="browsing-history",
        description="The rule category that stands for the visitor's browsing history. "
        "Switched off: no rule on the visitor's behaviour is shown, whatever its category, "
        "and the snippets of those still shown see them as a brand-new visitor (only "
        "`visitor.device` stays); "
        "their page views and viewed items are not recorded; recommendations use nothing "
        "they browsed (their cart and purchases are still left out of suggestions).",
    )

    @field_validator("history_category")
    @classmethod
    def _a_category(cls, name: str) -> str:
        """An empty name gave the preferences page a switch with no name (config69)."""
        if not name.strip():
            raise ValueError("it is empty: name the rule category, e.g. browsing-history")
        return name

    site_language: str = Field(
        default="",
        description="The language of your rules' words (their reasons and category labels), a "
        "language tag such as ja or pt-BR: the preferences page (in English) marks them with "
        "it so screen readers read them in it. Empty: not marked (read as English).",
    )

    @field_validator("site_language")
    @classmethod
    def _a_language(cls, tag: str) -> str:
        """A tag no browser knows would mark the editors' words as no language (a11y68)."""
        if tag and not _LANGUAGE.fullmatch(tag):
            raise ValueError("it should be a language tag such as ja, de or pt-BR (or empty)")
        return tag
