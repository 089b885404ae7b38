"""Snippet files as the sandbox reads them: refused like rule files when too big or not UTF-8
(named, with the line of the first bad byte), a leading byte-order mark dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from jinja2.loaders import split_template_path

from omotenashi.errors import SnippetFileError
from omotenashi.rules.yamlguard import MAX_FILE_BYTES


class SnippetLoader(FileSystemLoader):
    """Snippet files, without a leading byte-order mark (some editors save one); one that is
    too big or not UTF-8 is refused as a rule file would be (SnippetFileError)."""

    def get_source(self, environment: Environment, template: str) -> Any:
        path, size = Path(), 0
        for folder in self.searchpath:
            path = Path(folder, *split_template_path(template))
            size = path.stat().st_size if path.is_file() else 0
            if size > MAX_FILE_BYTES:
                reason = f"the file is {size} bytes, over the {MAX_FILE_BYTES} a snippet may have"
                raise SnippetFileError(template, reason, "split it into several snippets")
            if size:
                break
        try:
            source, filename, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1 if size else 1
            problem = "the file is not UTF-8 text"
            raise SnippetFileError(template, problem, "save it as UTF-8", line) from exc
        return source.removeprefix("\ufeff"), filename, uptodate
