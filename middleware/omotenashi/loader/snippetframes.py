"""Where a snippet's problem is: the snippet file and line Jinja's frames name, for the errors
and warnings of a load (``snippets.Renderer.problem``)."""

from __future__ import annotations

from pathlib import Path

from jinja2.exceptions import TemplateSyntaxError

from omotenashi.errors import SnippetFileError


class Frames:
    """Locates problems in the snippets under ``folder``: each code file a traceback names is
    resolved once per load, not once per rule whose snippet failed (many rules share one)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._resolved: Path | None = None
        self._files: dict[str, str | None] = {}  # a frame's file: the snippet it is, if any

    def located(self, cause: BaseException | None) -> tuple[str, int] | None:
        """The snippet and line a compile or render problem is in, when it is in a snippet."""
        if isinstance(cause, SnippetFileError):  # not UTF-8, too big: the file, and the line
            return cause.snippet, cause.line
        if isinstance(cause, TemplateSyntaxError):  # (the lexer's name it by the file's path,
            name = cause.name  # its filename unset: editor65, "snippets/snippets/a.html")
            if name and cause.filename is None:
                name = self.snippet_of(name) or name
            return (name, cause.lineno) if name else None
        found = None
        tb = cause.__traceback__ if cause is not None else None
        while tb is not None:  # Jinja's frames carry the template's file and line
            name = self.snippet_of(tb.tb_frame.f_code.co_filename)
            if name is not None:
                found = (name, tb.tb_lineno)
            tb = tb.tb_next
        return found

    def snippet_of(self, filename: str) -> str | None:
        """The snippet (its path in the folder) the code file ``filename`` is, if any."""
        if filename in self._files:
            return self._files[filename]
        if self._resolved is None:
            self._resolved = self.folder.resolve()
        path = Path(filename).resolve()
        inside = path.is_relative_to(self._resolved)
        name = path.relative_to(self._resolved).as_posix() if inside else None
        self._files[filename] = name
        return name
