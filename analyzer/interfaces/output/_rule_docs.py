"""What a rule says about itself, as every output shows it: plain text and a documentation URL.

Rule docstrings are written for Sphinx (``code``, :class:`Name`); a terminal, a JSON consumer
or a SARIF viewer shows the words, not the markup. The documentation URL scheme
(``helpUri``) is the documentation of the distribution that provides the rule: its
``Documentation`` project URL (else ``Homepage``, ``Repository``, the ``Home-page`` field),
read from its installed metadata, else its page on PyPI for the installed version
(``https://pypi.org/project/NAME/VERSION/``, where the README is the documentation). shoal's
own codes add the README's ``#rules`` anchor, the section that lists them. A local plugin (or
an entry point whose distribution is unknown) has no URL.
"""
from __future__ import annotations

import functools
import inspect
import re
import textwrap

from analyzer.interfaces.output._report import RuleInfo

__all__ = ["plain_text", "rule_doc", "rule_help_uri", "rule_summary"]

#: ``:role:`text```, ``:role:`Title <target>```, ``:role:`~pkg.mod.Name```.
_ROLE = re.compile(r":[\w:.+-]+:`([^`]*)`")
_LITERAL = re.compile(r"``(.+?)``")
#: `text` (reST's default role, Markdown's code span) and `text`_ (a hyperlink reference).
_INTERPRETED = re.compile(r"`([^`]+)`_{0,2}")
_TITLED = re.compile(r"^(.*?)\s*<[^<>]+>$")
_ORIGINS_OF_SHOAL = ("shoal", "built-in")
_URL_KEYS = ("documentation", "docs", "homepage", "home", "repository", "source")


def _role_text(match: re.Match[str]) -> str:
    text = match.group(1)
    titled = _TITLED.match(text)
    if titled and titled.group(1):
        return titled.group(1)
    # `~pkg.mod.Name` shows as `Name` in Sphinx; `!name` suppresses the link.
    if text.startswith("~"):
        return text[1:].rsplit(".", 1)[-1]
    return text.lstrip("!")


def plain_text(text: str) -> str:
    """``text`` without reStructuredText (or Markdown) inline markup: roles, literals and
    interpreted text keep their words and lose their backticks."""
    text = _ROLE.sub(_role_text, text)
    text = _LITERAL.sub(r"\1", text)
    return _INTERPRETED.sub(r"\1", text)


def _without_own_code(text: str, code: str) -> str:
    # Many docstrings open with "F501: ..." -- the code is already printed beside it.
    prefix = f"{code}:"
    if not text.startswith(prefix):
        return text
    rest = text[len(prefix):].lstrip()
    return rest[:1].upper() + rest[1:]


def rule_summary(info: RuleInfo) -> str:
    """The one-line description, plain text, without a leading repeat of the code."""
    return _without_own_code(plain_text(info.description), info.code)


def rule_doc(info: RuleInfo) -> str:
    """The whole explanation (the rule class's docstring, else the description), plain text."""
    doc = inspect.getdoc(info.cls) if info.cls is not None else None
    if not doc:
        return rule_summary(info)
    return _without_own_code(plain_text(textwrap.dedent(doc).strip()), info.code)


@functools.cache
def _distribution_url(name: str) -> str | None:
    """The documentation URL an installed distribution declares, if any."""
    from importlib import metadata

    try:
        md = metadata.metadata(name)
    except metadata.PackageNotFoundError:
        return None
    urls: dict[str, str] = {}
    for entry in md.get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        urls.setdefault(label.strip().lower().replace("-", ""), url.strip())
    for key in _URL_KEYS:
        if urls.get(key):
            return urls[key]
    # Newer importlib.metadata raises KeyError for an absent header (older gave None).
    home = md["Home-page"] if "Home-page" in md else None
    return home if home and home != "UNKNOWN" else None


def _documentation(name: str, version: str) -> str:
    declared = _distribution_url(name)
    return declared or f"https://pypi.org/project/{name}/{version}/"


def rule_help_uri(info: RuleInfo) -> str:
    """The absolute URL of the rule's documentation (see the module docstring); ``""`` for a
    rule whose provider is not an installed distribution (a local plugin)."""
    if info.origin in _ORIGINS_OF_SHOAL:
        from analyzer import __version__

        return _documentation("shoal", __version__).split("#")[0] + "#rules"
    if info.origin.startswith(("local:", "entry point ")) or " " not in info.origin:
        return ""
    # An installed plugin: origin is "<distribution> <version>".
    name, version = info.origin.rsplit(" ", 1)
    return _documentation(name, version)
