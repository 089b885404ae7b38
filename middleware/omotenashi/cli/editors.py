"""Editors' tools: ``omotenashi check``, ``schema`` and ``settings-table``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _check(args: argparse.Namespace) -> int:
    from omotenashi.engine.paths import folders, path_matcher
    from omotenashi.errors import CommandError
    from omotenashi.folders import snippets_beside
    from omotenashi.loader.checks import check
    from omotenashi.settings import Settings

    settings = Settings()
    zone = settings.rules.timezone  # schedules without an offset are read in it
    # the pages the site's settings leave alone, judged as the middleware judges them
    left_alone = path_matcher(folders([*settings.exclude_paths, *settings.untracked_paths]))
    history = settings.respect.history_category  # a category near it: a second switch
    for given, what in ((args.templates, "templates"), (args.snippets, "snippets")):
        if given and not Path(given).is_dir():  # not 'no template declares' for every slot
            said = "does not exist" if not Path(given).exists() else "is not a folder"
            raise CommandError(f"the {what} folder {given!r} {said}")
    findings = []
    for folder in args.rules or ["rules"]:
        rules = Path(folder)
        if not rules.is_dir():
            raise CommandError(f"no rules folder at {folder!r}")
        if not any(rules.rglob("*.y*ml")):
            raise CommandError(f"no rule files (*.yaml) in {folder!r}")
        snippets = Path(args.snippets) if args.snippets else snippets_beside(rules)
        templates = Path(args.templates) if args.templates else None
        findings += check(
            rules,
            snippets,
            templates,
            timezone=zone,
            base=Path.cwd(),
            history_category=history,
            left_alone=left_alone,
        )
    errors = [f for f in findings if f.level == "error"]
    warnings = [f for f in findings if f.level == "warning"]
    for finding in [*errors, *warnings]:
        print(finding)
    # every finding out before the summary: stdout to a pipe is written in blocks, stderr at
    # once, so one stream of both (2>&1) would get the summary first or inside a line
    sys.stdout.flush()
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def schemas() -> dict[str, dict[str, Any]]:
    from omotenashi.cli.schemaforms import with_short_forms
    from omotenashi.recommend.catalog import CatalogFile
    from omotenashi.rules.journey import JourneyFile
    from omotenashi.rules.model import RuleFile

    out = {}
    models: tuple[tuple[str, Any], ...] = (
        ("rules", RuleFile),
        ("journey", JourneyFile),
        ("catalog", CatalogFile),
    )
    for name, model in models:
        schema = with_short_forms(model.model_json_schema(by_alias=True))
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"Omotenashi {name} file"
        out[f"{name}.schema.json"] = schema
    return out


def _schema(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas().items():
        (out / name).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        print(out / name)
    return 0


def _settings_table(args: argparse.Namespace) -> int:
    import re

    from omotenashi.settingstable import settings_table

    if not args.readme:
        print(settings_table())
        return 0
    readme = Path(args.readme)
    try:
        text, found = re.subn(
            r"(<!-- settings-table:[^\n]*-->\n).*?(\n<!-- /settings-table -->)",
            lambda m: m.group(1) + settings_table() + m.group(2),
            readme.read_text(encoding="utf-8"),
            flags=re.S,
        )
    except (OSError, UnicodeDecodeError) as exc:  # (config52: a traceback)
        print(f"omotenashi settings-table: cannot read {args.readme!r}: {exc}", file=sys.stderr)
        return 2
    if not found:  # (config52: exit 0, nothing changed)
        print(
            f"omotenashi settings-table: {args.readme!r} has no <!-- settings-table: ... --> "
            "and <!-- /settings-table --> lines to put the table between",
            file=sys.stderr,
        )
        return 2
    readme.write_text(text, encoding="utf-8")
    return 0


def register(commands: Any) -> None:
    chk = commands.add_parser("check", help="check rule files, the journey and snippets")
    chk.add_argument("rules", nargs="*", help="rules folders (default: rules)")
    chk.add_argument(
        "--snippets",
        metavar="DIR",
        help="the snippets folder (default: snippets next to each rules folder)",
    )
    chk.add_argument(
        "--templates",
        metavar="DIR",
        help="your site's templates, to find slots no template declares (unset: not checked)",
    )
    chk.set_defaults(func=_check)

    sch = commands.add_parser("schema", help="write the JSON Schemas of rule and journey files")
    sch.add_argument(
        "--out",
        default="schema",
        metavar="DIR",
        help="folder to write the .schema.json files in, made if missing (default schema)",
    )
    sch.set_defaults(func=_schema)

    tab = commands.add_parser("settings-table", help="the configuration table, in Markdown")
    tab.add_argument(
        "--readme",
        metavar="FILE",
        help="rewrite the table between this file's settings-table comments instead of printing it",
    )
    tab.set_defaults(func=_settings_table)
