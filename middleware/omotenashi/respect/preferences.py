"""The visitor's own page: what is stored about them, in human terms, and their choices.

``GET  {prefix}/preferences``         the page (OMOTENASHI_RESPECT_PREFERENCES_TEMPLATE: yours)
``POST {prefix}/preferences``         save switches, nothing at all, reset, erase, dismiss (undo)
``GET  {prefix}/preferences/export``  everything stored, as JSON

Choices live in the signed cookie, so erasing the profile keeps them. Every form carries a
per-visitor CSRF token and cross-site posts are refused.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from jinja2 import BaseLoader, Environment, FileSystemLoader, Template, meta, select_autoescape

from omotenashi.engine.facts import query_params
from omotenashi.engine.flash import Flash, anchor_of, to_notice
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import StoreError
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.ids import new_vid
from omotenashi.loader.reload import Loaded
from omotenashi.recommend.catalog import Catalog
from omotenashi.respect import notes, notewords, shown, yourdata
from omotenashi.respect.camefrom import came_entries
from omotenashi.respect.choices import Choices, ChoicesCache
from omotenashi.respect.facts import describe

# (the forms' HTTP side, kept where the endpoints and tests find it)
from omotenashi.respect.formhttp import EXPIRED as EXPIRED
from omotenashi.respect.formhttp import NO_CONSENT as NO_CONSENT
from omotenashi.respect.formhttp import NO_COOKIE as NO_COOKIE
from omotenashi.respect.formhttp import NOT_READ as NOT_READ
from omotenashi.respect.formhttp import location as location
from omotenashi.respect.formhttp import parse_form as parse_form
from omotenashi.respect.formhttp import refusal as refusal
from omotenashi.respect.formhttp import safe_next as safe_next
from omotenashi.respect.historywords import browsed, history_card
from omotenashi.respect.privacy import pages_adapt
from omotenashi.settings import Settings
from omotenashi.store.privacy import is_revoked
from omotenashi.store.store import Store

_HERE = Path(__file__).parent / "templates"


class PreferencesPage:
    """Renders the page; the rule set and journey come from the rules in force per request."""

    def __init__(self, settings: Settings, signer: CookieSigner) -> None:
        self.prefix = settings.endpoint_prefix
        self.signer = signer
        r, custom = settings.respect, settings.respect.preferences_template
        folders = [str(custom.parent)] if custom else []
        self.env = Environment(
            loader=FileSystemLoader([*folders, str(_HERE)]),
            autoescape=select_autoescape(default=True),
        )
        self.template_name = custom.name if custom else "preferences.html"
        self.history_category = settings.respect.history_category  # its card says what "off" is
        self.zone, self.intent_budget = settings.rules.timezone, r.intent_budget  # (dates)
        # what a private visitor's pages may still show (blocks that need nothing kept), and
        self.private_contextual, self.dismiss = r.private_contextual, r.disclosure  # "i"s
        self.site_lang = r.site_language  # the editors' words' language (a11y68)
        days = max(1, math.ceil(settings.redis.idle_ttl / 86400))  # ("at the latest": time53)
        self.idle = f"{days} day{'s' * (days != 1)}"  # a profile idle this long expires
        self.choices = ChoicesCache(frozenset({self.history_category}))  # once per rule set
        self._lists: tuple[Template, bool] | None = None

    def lists_rules(self) -> bool:
        """Whether the page's template lists every rule (``categories``: a site's may; ours
        does not), or may through a template it brings in: once per version of it."""
        template = self.env.get_template(self.template_name)
        if self._lists is None or self._lists[0] is not template:
            loader = cast(BaseLoader, self.env.loader)
            ast = self.env.parse(loader.get_source(self.env, self.template_name)[0])
            lists = "categories" in meta.find_undeclared_variables(ast)
            self._lists = (template, lists or [*meta.find_referenced_templates(ast)] != [])
        return self._lists[1]

    def adapts(self, reason: str, prefs: Prefs, choices: Choices) -> bool:
        """Whether a block that needs nothing kept may still be shown to this visitor: one of
        theirs is on, and a private visitor's pages are not passed untouched
        (OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL)."""
        adapts = choices.adapts(prefs, time.time())
        return pages_adapt(bool(reason), self.private_contextual) and adapts

    @staticmethod
    def categories(ruleset: RuleSet, prefs: Prefs) -> list[dict[str, Any]]:
        """Categories with their entries: rules giving the same reason share one switch
        (:func:`shown.entries`, the grouping the dismiss uses too)."""
        return Choices.of(ruleset).listing_for(prefs)

    def render(
        self,
        ident: Identity,
        profile: Profile,
        loaded: Loaded,
        *,
        notice: str = "",
        private: str = "",
        reason: str = "",
        can_choose: bool = False,  # Privacy.keeps_choices: a choice of theirs can be kept
        confirm_erase: bool = False,
        choices: Choices | None = None,  # the rule set's index (ChoicesCache), if at hand
        root: str = "",  # behind a path prefix: what the browser's URLs start with
        blocks: tuple[str, ...] | list[str] = (),  # the rules a link names (camefrom.py)
    ) -> bytes:
        prefs = Prefs.from_cookie(ident.prefs)
        choices = choices or Choices.of(loaded.ruleset)
        every = shown.shown_recently(
            profile, loaded.ruleset, prefs, choices.by_id, None, self.zone, self.intent_budget
        )
        recent = every[: yourdata.listed(every, shown.MAX_LISTED)]  # (never "1 more": final62)
        # whatever they switched off and the page does not list above, so it can come back on
        switched_off, gone_off = choices.switched_off(prefs, (e["key"] for e in recent))
        # what holds each back beside its switch, and only what would bring it back (notes.py)
        history_off = self.history_category in prefs.off_categories
        label = shown.kind_label(choices.labels, self.history_category)
        kinds = choices.kinds_for(prefs, every, time.time())
        held = (reason, pages_adapt(bool(reason), self.private_contextual), prefs.nothing)
        came = came_entries(blocks, choices, prefs, recent, switched_off)  # (camefrom.py)
        notes.annotate([*recent, *switched_off, *came], kinds, *held, label * history_off)
        listing = choices.listing_for(prefs) if self.lists_rules() else []  # (a site's template)
        untracked = reason not in shown.CHOICES_NEED_A_COOKIE  # nothing is read or kept
        kept = shown.kept(profile)  # then it is shown, and can be erased, whatever the reason
        adapts = self.adapts(reason, prefs, choices)
        note = notes.private_note(
            reason, kept, bool(ident.prefs), can_choose, adapts=adapts, dismiss=self.dismiss,
            cookie=not ident.is_new, signed_in=ident.user is not None, nothing=prefs.nothing,
            unread=ident.unread,
        )  # fmt: skip
        # what the browsing history's card says when it is off, true under this decision
        card = history_card(
            reason, adapts, self.idle, kept, ident.user is not None, browsed(profile)
        )
        page = self.env.get_template(self.template_name).render(
            prefix=root + self.prefix,
            site=root + "/",  # the site's home page
            csrf=self.signer.csrf_token(ident),
            facts=describe(
                profile, time.time(), loaded.journey, loaded.catalog, self.zone, history_off
            ),
            categories=listing,
            nothing=prefs.nothing,
            notice=notice,
            private=note or private,
            shown=recent,
            came=came,
            shown_more=len(every) - len(recent),
            switched_off=switched_off,
            gone_off=gone_off,
            history_category=self.history_category,
            history_label=label,  # its switch's label
            idle=self.idle,
            history_off=history_off,
            history_card=card,
            adapts=adapts,  # a block that needs nothing kept may still be shown to them
            dismiss=self.dismiss,  # blocks carry "Don't show me this"
            site_lang=self.site_lang,
            site_labels=frozenset(choices.labels.values()),  # (the editors' kinds' labels)
            signed_in=notes.devices_note(reason) if ident.user is not None else "",
            kinds=kinds,
            can_choose=can_choose,
            untracked=untracked,
            cannot_tell=shown.CANNOT_TELL if ident.unread else "",  # (whatever the reason)
            kept=kept,
            confirm_erase=confirm_erase and ((can_choose and not untracked) or kept),
        )
        return page.encode()

    def render_data(
        self,
        ident: Identity,
        profile: Profile,
        loaded: Loaded,
        reason: str = "",
        choices: Choices | None = None,
        root: str = "",
    ) -> bytes:
        """Everything kept about the visitor as a readable page, with the JSON download."""
        prefs = Prefs.from_cookie(ident.prefs)
        by_id = choices.by_id if choices is not None else None
        adapts = self.adapts(reason, prefs, choices or Choices.of(loaded.ruleset))
        page = self.env.get_template("data.html").render(
            prefix=root + self.prefix,
            # the download holds the profile and the choices cookie: offered when either is there
            download=shown.kept(profile) or prefs != Prefs(),
            # the totals kept for everyone may hold their visits: they are (or may have been,
            # under the id their cookie holds) counted; a visitor never counted is not told so
            shared=reason == "" or not ident.is_new,
            sections=shown.data_sections(
                profile,
                loaded.ruleset,
                prefs,
                (loaded.catalog.pair_titles, loaded.catalog.labels),
                private=reason,
                by_id=by_id,
                stages=loaded.journey.stage_words,
                groups=loaded.journey.segment_words,
                segments=yourdata.groups_now(profile, loaded.journey, time.time()),
                zone=self.zone,
                intent_budget=self.intent_budget,
                pair_names=loaded.catalog.pair_names,
                adapts=adapts,
                history_off=self.history_category in prefs.off_categories,
                cookie=not ident.is_new,
                signed_in=ident.user is not None,  # ("we set none": false)
                unread=ident.unread,
            ),
        )
        return page.encode()


async def apply_choice(
    store: Store,
    ruleset: RuleSet,
    prefix: str,
    ident: Identity,
    form: dict[str, list[str]],
    choices: Choices | None = None,
    *,
    root: str = "",
) -> tuple[Identity, str, str]:
    """(new identity, where to go, a notice): the visitor's choice applied; ``choices``: the
    rule set's index (else built here), so that it costs what the form sent. ``prefix`` as
    the browser reaches our URLs; ``root``: the site's path prefix (the home page's)."""
    prefs = Prefs.from_cookie(ident.prefs)
    action = (form.get("action") or ["save"])[0]
    pid = ident.user or ident.vid
    target = f"{prefix}/preferences"
    choices = choices or Choices.of(ruleset)
    form = ruleset.renames.form(form, choices.always)  # (a page from before a rename)
    known = choices.categories
    if action in ("dismiss", "undo"):  # from the page: "Don't show me this", and its undo
        rule = (form.get("rule") or [""])[0]
        back = safe_next((form.get("next") or [root + "/"])[0], root + "/")
        if rule not in known:
            return replace(ident, prefs=prefs.to_cookie()), back, ""
        entry = set(choices.entry(rule))  # the block's whole entry, as the page lists it
        off = prefs.off_rules - entry if action == "undo" else prefs.off_rules | entry
        # the next page says what was done, once (engine/flash.py), if the cookie keeps it
        flash = Flash(rule, time.time(), undo=action == "undo", anchor=anchor_of(back))
        prefs = replace(prefs, off_rules=frozenset(off))
        # back to the confirmation, right after the block (focused there: engine/flash.py)
        return replace(ident, prefs=prefs.to_cookie(), flash=flash), to_notice(back), ""
    if action == "save":
        on_rules = {i for value in form.get("rule", []) for i in value.split(",") if i in known}
        # Only the rules (and kinds) the form listed change: a page listing none switches none.
        listed = {i for value in form.get("listed", []) for i in value.split(",") if i in known}
        listed |= on_rules
        off_rules = set(prefs.off_rules - listed) | (listed - on_rules)
        # a kind off that the rules lack now: its switch is listed, unticked
        kinds, nothing = choices.kinds_off(prefs, form), "nothing" in form
        if "was" in form:  # what the form showed: only what was changed on it changes (a
            # tab opened before undid the choices made since in others: visitor58)
            was_off = {i for value in form.get("was_off", []) for i in value.split(",")}
            shown_off, shown_kinds = was_off & listed, set(form.get("was_off_kind", []))
            off_rules = (set(prefs.off_rules) | (off_rules - shown_off)) - (shown_off - off_rules)
            as_shown = choices.kinds_off(
                replace(prefs, off_categories=frozenset(shown_kinds)), form
            )
            kinds = (prefs.off_categories | (as_shown - shown_kinds)) - (shown_kinds - as_shown)
            nothing = prefs.nothing if nothing == (form["was"][0] == "nothing") else nothing
        prefs = replace(
            prefs, off_rules=frozenset(off_rules), off_categories=kinds, nothing=nothing
        )
        return replace(ident, prefs=prefs.to_cookie()), target + "?saved=1", ""
    if action == "erase" and (form.get("confirm") or [""])[0] != "yes":
        return ident, target + "?confirm=erase#erase", ""  # asks first; nothing is erased yet
    if action in ("reset", "erase"):
        try:
            await store.erase(pid)
        except StoreError:
            return ident, target + "?failed=1", ""
        if action == "erase" and await revoked(store, pid):  # the id stays, revoked
            return ident, target + "?erased=1", ""
        if action == "erase":  # a new id: nothing ties this browser to the old profile; a
            # signed-in visitor's account stays theirs (erased: it starts afresh, as at a reset),
            # while the site shows them signed in, so that what is kept under it from now on
            # (from their other devices too) is theirs to see and erase here (signedin51)
            return replace(unlinked(prefs.to_cookie()), user=ident.user), target + "?erased=1", ""
        return ident, target + "?reset=1", ""
    return ident, target, ""


async def revoked(store: Store, pid: str) -> bool:
    """Whether the site revoked ``pid`` (its erase keeps the marker, and the id: a new one
    would be free of it, privacy62); not known (Redis failed just now, after the erase went
    through): as if it were. (A withdrawal of consent, asgi/api.py, takes not known as not
    revoked: its erase may have failed too.)"""
    try:
        return await is_revoked(store, pid)
    except StoreError:
        return True


def unlinked(prefs: dict[str, object]) -> Identity:
    """A new visitor id nothing is stored under, no user, keeping only the choices ``prefs``
    (a cookie's): after an erase, or consent withdrawn (asgi/api.py ``consent``), nothing ties
    this browser to what was kept before."""
    return Identity(vid=new_vid(), is_new=False, issued_at=time.time(), prefs=prefs)


NOTICES = {  # the first four: a save whose choices did not all fit in the cookie as given
    "alloff": "Your browser cannot keep this many separate choices, so we switched "
    "personalisation off altogether: nothing you switched off will show. To choose again, "
    "switch it back on below, and switch off whole kinds rather than single blocks.",
    "widened": "Your browser cannot keep this many separate choices, so we switched off whole "
    "kinds of blocks instead: nothing you switched off will show, but some blocks you left on "
    "are off too. The switches below show what is kept.",
    "grouped": "Your choices are saved. To fit in your browser's cookie, where every block of "
    "a kind is off we keep the kind as switched off, not each block: switching that kind on "
    "again brings all its blocks back.",
    "forgot": "Your choices are saved. To fit in your browser's cookie, we no longer keep the "
    "blocks you switched off that this site has stopped showing.",
    "saved": "Your choices are saved. They apply from the next page you open.",
    "reset": "Done: we start afresh. Your choices are kept.",
    "erased": "Done: everything we kept about you is erased. Your choices are kept. "
    + notewords.SHARED_COUNTS,
    "erased_all": "Done: everything we kept about you is erased, and our cookie is gone from "
    "this browser. " + notewords.SHARED_COUNTS,
    "failed": "Sorry, that did not work just now. Please try again in a moment.",
}


def export(
    ident: Identity,
    profile: Profile,
    stored: dict[str, Any] | None,
    catalog: Catalog,
    zone: str,
    journey: Journey,
) -> bytes:
    """Everything kept, as stored (``profile`` null when nothing is, as without our cookie:
    no made-up first stage beside ``kept`` false). Without our cookie there is no id (null):
    the id a request without one gets is never stored, so none is made up here. ``catalog``
    and ``journey``: the site's (yourdata.exported); ``zone``: the site's time zone, whose
    days and weeks caps count in. Where our cookie could not be read, what is kept is not
    known: ``kept`` null, ``unread`` says why (final61: not false, beside "We cannot tell")."""
    kept = not ident.is_new and shown.kept(profile)  # nothing stored: no profile either
    data = {
        "visitor_id": None if ident.is_new else ident.user or ident.vid,
        "kept": None if ident.unread else kept,
        **({"unread": shown.CANNOT_TELL} if ident.unread else {}),
        "profile": yourdata.exported(profile, catalog, journey, zone) if kept else None,
        "counters": stored or {},
        "choices": Prefs.from_cookie(ident.prefs).to_cookie(),
    }
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)  # 京都, not \u4eac
    return text.encode("utf-8", "replace")  # (readable in any language: japan53)


# What holds only while nothing is kept since: said no more once the visitor has browsed on
_NOTHING_KEPT = frozenset({"reset", "erased", "erased_all"})


NOTICE_ID = "omo-notice"  # the notice's element id (tabindex="-1"): a save returns to it


def marked(
    signer: CookieSigner, target: str, vid: str, page: str = "/_omotenashi/preferences"
) -> str:
    """``target`` (``.../preferences?saved=1``) with its notice signed for the visitor id the
    browser sends next ("" when it sends no cookie): a link, another site or a page left open
    cannot make the page say something was done. It goes to the notice (``#omo-notice``),
    which the browser scrolls to and focuses, so a screen reader says it at once (a status
    there on load is not announced). Only ``page`` (the preferences page as the browser
    reaches it; by default, the default prefix's) has that notice: any other target (a site
    page a block's "Don't show me this" returns to, whatever its query says) is left as it
    is, and so is one with a fragment."""
    path, _, query = target.partition("?")
    notice = query.partition("=")[0]
    if path != page or notice not in NOTICES or "#" in target:
        return target
    return f"{target}&n={signer.notice_mark(vid, notice)}#{NOTICE_ID}"


def notice(signer: CookieSigner, ident: Identity, profile: Profile, query: str) -> str:
    """What the page says was just done: a notice :func:`marked` for this visitor, at most
    NOTICE_AGE old; an erase or a reset only while nothing is kept since."""
    params = query_params(query)  # (the first MAX_PARAMS of them: never more work)
    said = [key for key in NOTICES if params.get(key) == "1"]
    if len(said) != 1:
        return ""
    vid = "" if ident.is_new else ident.vid
    if not signer.notice_holds(vid, said[0], params.get("n", "")):
        return ""
    if said[0] in _NOTHING_KEPT and profile.first_seen is not None:
        return ""
    return NOTICES[said[0]]
