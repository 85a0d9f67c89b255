"""Find the tags of a Handlebars template with their positions.

The rendering library reports a syntax error as a bare reason ("unclosed block") without saying where. This
scanner splits the source into tags the way the library does (escapes, raw blocks, long comments, triple
stashes, whitespace control), so that each tag can be checked on its own and an error can name its line and
column. It reads text only; nothing here compiles or renders a template.
"""

from __future__ import annotations

from dataclasses import dataclass


class ScanError(ValueError):
    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Tag:
    start: int  # offset of the opening braces
    end: int  # offset just after the closing braces
    body: str  # what is inside, without whitespace control marks and surrounding spaces
    triple: bool = False  # {{{x}}} or {{~{x}~}}
    raw_block: bool = False  # {{{{name}}}}…{{{{/name}}}}: the whole block, whose content is never parsed
    comment: bool = False

    @property
    def kind(self) -> str:
        """One of: comment, raw, close, else, inline, partial_block, block, partial, value."""
        body = self.body
        if self.comment or body.startswith("!"):
            return "comment"
        if self.raw_block:
            return "raw"
        if body.startswith("/"):
            return "close"
        if body == "else" or body.startswith("else "):
            return "else"
        if body.startswith("#*inline"):
            return "inline"
        if body.startswith("#>"):
            return "partial_block"
        if body.startswith(("#", "^")):
            return "block"
        if body.startswith(">"):
            return "partial"
        return "value"


def position(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    column = offset - (source.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _strip_marks(body: str) -> str:
    if body.startswith("~"):
        body = body[1:]
    if body.endswith("~"):
        body = body[:-1]
    return body.strip()


def scan(source: str) -> list[Tag]:
    """Every tag in order. Raises ScanError for a tag, comment or raw block that is never closed."""
    tags: list[Tag] = []
    i = 0
    n = len(source)
    while i < n:
        start = source.find("{{", i)
        if start < 0:
            break
        slashes = 0
        j = start - 1
        while j >= i and source[j] == "\\":
            slashes += 1
            j -= 1
        if slashes == 1:  # \{{ is literal text
            i = start + 2
            continue
        if source.startswith("{{{{", start):
            i = _raw_block(source, start, tags)
            continue
        comment_end = _long_comment_end(source, start)
        if comment_end is not None:
            tags.append(Tag(start, comment_end, "", comment=True))
            i = comment_end
            continue
        if source.startswith(("{{~{", "{{{"), start):
            body_start = start + (4 if source[start + 2] == "~" else 3)
            plain = source.find("}}}", body_start)
            marked = source.find("}~}}", body_start)
            ends = [(pos, width) for pos, width in ((plain, 3), (marked, 4)) if pos >= 0]
            if not ends:
                raise ScanError(start, "this tag is never closed with }}}")
            end, width = min(ends)
            tags.append(Tag(start, end + width, source[body_start:end].strip(), triple=True))
            i = end + width
            continue
        end = source.find("}}", start + 2)
        if end < 0:
            raise ScanError(start, "this tag is never closed with }}")
        tags.append(Tag(start, end + 2, _strip_marks(source[start + 2 : end])))
        i = end + 2
    return tags


def _raw_block(source: str, start: int, tags: list[Tag]) -> int:
    if source.startswith("{{{{/", start):
        raise ScanError(start, "a raw block is closed here but was never opened")
    open_end = source.find("}}}}", start + 4)
    if open_end < 0:
        raise ScanError(start, "this raw block tag is never closed with }}}}")
    header = source[start + 4 : open_end].strip()
    if not header:
        raise ScanError(start, "a raw block needs a name: {{{{raw}}}}…{{{{/raw}}}}")
    name = header.split()[0]
    closer = "{{{{/" + name + "}}}}"
    close_pos = source.find(closer, open_end + 4)
    if close_pos < 0:
        raise ScanError(start, "raw block {{{{" + name + "}}}} is never closed with " + closer)
    tags.append(Tag(start, close_pos + len(closer), "#" + header, raw_block=True))
    return close_pos + len(closer)


def _long_comment_end(source: str, start: int) -> int | None:
    """Offset after the closing braces of a {{!-- … --}} comment starting here, or None if it is not one."""
    i = start + 2
    if i < len(source) and source[i] == "~":
        i += 1
    if not source.startswith("!--", i):
        return None
    search = i + 3
    while True:
        mark = source.find("--", search)
        if mark < 0:
            raise ScanError(start, "this comment is never closed with --}}")
        j = mark + 2
        if j < len(source) and source[j] == "~":
            j += 1
        if source.startswith("}}", j):
            return j + 2
        search = mark + 1


def split_args(text: str) -> list[str]:
    """Split a tag body into its parts at top-level spaces, keeping quoted strings, (sub expressions) and
    [bracketed] path segments whole."""
    parts: list[str] = []
    buf: list[str] = []
    depth = 0
    quote = ""
    for char in text:
        if quote:
            buf.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char.isspace() and depth == 0:
            if buf:
                parts.append("".join(buf))
                buf = []
            continue
        buf.append(char)
    if buf:
        parts.append("".join(buf))
    return parts


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: list[str]
    hash: dict[str, str]
    literal: bool  # the name was a quoted string


def is_quoted(token: str) -> bool:
    return len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'"


def unquote(token: str) -> str:
    return token[1:-1] if is_quoted(token) else token


def parse_call(header: str) -> Call:
    """Name, positional and hash arguments of a tag body (without its leading sigil). Only used on tags the
    library has already accepted, so it need not report errors."""
    if " as |" in header:
        header = header.split(" as |", 1)[0]
    positional: list[str] = []
    hashed: dict[str, str] = {}
    for bit in split_args(header.strip()):
        if "=" in bit and bit[0] not in "\"'(":
            key, value = bit.split("=", 1)
            hashed[key] = value
        else:
            positional.append(bit)
    if not positional:
        return Call("", [], hashed, False)
    name = positional[0]
    return Call(unquote(name), positional[1:], hashed, is_quoted(name))


def subexpressions(call: Call) -> list[Call]:
    """The (helper …) calls among a call's arguments, at any depth."""
    found: list[Call] = []
    for token in [*call.args, *call.hash.values()]:
        if token.startswith("(") and token.endswith(")"):
            inner = parse_call(token[1:-1])
            found.append(inner)
            found.extend(subexpressions(inner))
    return found
