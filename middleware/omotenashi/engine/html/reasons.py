"""What :mod:`.fragment` says is wrong with a snippet's markup: short, naming tags, never the
output's text (the same for every visitor, so a problem is logged once), each with what would
be right."""

from __future__ import annotations

from .context import BUTTON, DDT, FORM, LI, NOBR, SELECT, A

FIRST = " (close the first one before the second)"
CLASH = {  # the element a new one would end, and what a browser does
    "a": (A, "has a link inside a link: a browser ends the first link there" + FIRST),
    "nobr": (NOBR, "has a <nobr> inside a <nobr>: a browser ends the first one there" + FIRST),
    "button": (BUTTON, "has a button inside a button: a browser ends the first there" + FIRST),
    "form": (
        FORM,
        "has a form inside a form: a browser drops the inner <form>, and its </form> ends the "
        "outer one (close the first form before the second)",
    ),
    "li": (LI, "has an <li> inside an <li>: a browser ends the first <li> there" + FIRST),
    "dd": (DDT, "has a <dd> inside a <dd> or <dt>: a browser ends that one there" + FIRST),
    "dt": (DDT, "has a <dt> inside a <dd> or <dt>: a browser ends that one there" + FIRST),
}
for _tag in ("select", "input", "textarea", "keygen"):
    CLASH[_tag] = (
        SELECT,
        f"has <{_tag}> inside a <select>: a browser ends the <select> there (move the <{_tag}> "
        "out of the <select>)",
    )

AFTER = "the rest of the page after the slot would"
COMMENT = (
    "leaves a comment open: everything after it on the page would disappear (close it with -->)"
)
DECLARATION = f"leaves a '<!' or '<?' open: {AFTER} disappear (end it with >)"
END_OPEN = f"ends in '</': {AFTER} disappear into a comment (write &lt;/ for the text)"
TAG = (
    "leaves the tag <{tag}> unfinished (a quote or the > missing): "
    f"{AFTER.replace('{', '{{')} be read as part of it (finish the tag)"
)
CDATA = (
    "has a <![CDATA[ outside <svg> or <math>: a browser reads it as a comment up to the first > "
    "(remove it)"
)
CDATA_OPEN = f"leaves a <![CDATA[ open: {AFTER} disappear (close it with ]]>)"
DOCTYPE = "has a doctype, which belongs to the page, not to a slot (remove it)"
RAW_OPEN = "leaves <{tag}> open: " + AFTER + " become its text (close it with </{tag}>)"
PLAINTEXT = f"has <plaintext>, which never ends: {AFTER} show as text (use <pre>)"
PAGE_TAG = (
    "has {markup}, which belongs to the page, not to a slot: a browser would apply it to the "
    "page's own <{tag}> (remove it)"
)
BASE = "has <base>, which would change where every link of the page points (remove it)"
STRAY = (
    "has </{tag}> with no <{tag}> before it: a browser would close the page's own elements "
    "around the slot with it (remove the </{tag}>, or add the <{tag}> it belongs to)"
)
VOID_END = (
    "has </{tag}>, but <{tag}> never has an end tag: a browser ignores it or adds a line break "
    "(remove the </{tag}>)"
)
CROSSED = "closes <{tag}> while <{inner}> inside it is still open (add </{inner}> before </{tag}>)"
LEFT_OPEN = "leaves <{tag}> open: " + AFTER + " be inside it (close it with </{tag}>)"
IN_P = (
    "has <{tag}> inside <p>: a browser ends the <p> before it and makes the </p> an extra empty "
    "paragraph (use <div> for the outer element, or close the <p> first)"
)
HEAD_CONTENT = (
    "replaces the page's <head>: its own <meta> charset, stylesheets and title would be gone "
    "(a browser would also move anything but metadata into the <body>); aim the rule at an "
    "element in the head, such as the <title>, or in the <body>, or set the head's attributes"
)
TABLE_OUT = (
    "has <{tag}> outside a <table> of its own: a browser drops the tag, or ends the page's "
    "table cell there (put it in a table)"
)
IN_CELL = (
    "has <{tag}> inside <{cell}>: a browser ends the <{cell}> there (close the <{cell}> first)"
)
FOSTER = (
    "has {what} directly inside <{parent}>: a browser moves it out, before the table "
    "(put it in a <td>)"
)
MIXED = (
    "mixes {new} with {old} at its top level: a browser drops the table parts, or moves the rest "
    "out of the slot (a snippet for a slot that is a table part has only cells, only rows or only "
    "table sections at its top)"
)
BREAKS_OUT = (
    "has <{tag}> inside <{parent}>: a browser ends the <{parent}> there (put HTML outside it, "
    "or in a <foreignObject>)"
)
OLD = {"flow": "text or other elements", "cells": "table cells", "rows": "table rows"}
OLD["sections"] = "table sections"
CROWDED = (
    "has a <{tag}> where the page already has formatting elements alike open: a browser keeps "
    "three, so the page's first would be dropped and the text after the slot lose it (use "
    "another element, or fewer nested ones)"
)
IN_SELECT = (
    "has <{tag}> right inside a <{parent}> in a <select>: a browser ends the <{parent}> there "
    "(close the <{parent}> first)"
)
SCRIPT_ESCAPE = (
    "has '<!--' or '<script' in a <script> slot: a browser then reads on past the page's "
    "</script>, and the page after it becomes script (write them as '<\\!--', '<\\script')"
)
REOPENED = (
    "would be wrapped in a formatting element (<a>, <b> ...) the page leaves open before the slot: "
    "a browser re-opens it there (close it on the page)"
)
RAW_END = (
    "has </{tag}>, which ends the page's <{tag}> there: the rest of it would become markup "
    "(leave the </{tag}> out)"
)
NOSCRIPT_HEAD = (
    "has what a <noscript> in the <head> cannot hold: a browser without scripts reads it as "
    "HTML, where only <link>, <meta> and <style> belong: other tags or text end the head there "
    "and move the rest of it into the body, and an end tag is out of place (give it only those, "
    "or aim the rule at a <noscript> in the body)"
)
