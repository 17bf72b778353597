"""Hypothesis strategies for hostile pages: HTML, JSON and bytes made of what parsers look for.

Purely random text rarely reaches a parser's inner branches (it never has ``div.post`` in
it). Each engine's own source is therefore read for its vocabulary - every string literal,
and the words and paths in them (class names, JSON keys, URL paths, date formats) - and the
generated documents are built from that vocabulary mixed with hostile values: links urllib
refuses, impossible and far-future dates, huge numbers, control characters, unpaired
surrogates (in JSON escapes), deep nesting.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

ENGINES_DIR = Path(__file__).resolve().parents[1] / "crawler" / "extract" / "engines"
BASE = "http://forum.test/"
_WORD = re.compile(r"[A-Za-z_][\w-]{1,40}")
TAGS = ["a", "article", "blockquote", "body", "br", "cite", "dd", "div", "dl", "dt", "footer",
        "h1", "h2", "h3", "header", "img", "li", "link", "meta", "noscript", "ol", "p", "pre",
        "script", "section", "span", "table", "td", "time", "tr", "ul"]
ATTRIBUTES = ["class", "id", "href", "src", "datetime", "title", "rel", "content", "name",
              "itemprop", "data-time", "data-timestamp", "data-post-id", "data-author",
              "data-content", "data-preview-url", "type", "alt", "lang"]
HOSTILE_URLS = ["http://[::1", "//[zz]/x", "http://a:99999/", "http://a:-1/p", "javascript:x",
                "mailto:x@y", "", " ", "#", "?", "//", "http://", "file:///etc/passwd",
                "http://169.254.169.254/latest/", "data:text/html,<p>x</p>", "\x00", "ht tp://x"]
HOSTILE_DATES = ["2099-01-01T00:00:00+07:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59",
                 "1970-01-01T00:00:00Z", "2024-02-30T10:00:00", "-1", "99999999999999", "0",
                 "2024-13-45", "Kemarin, 25:99", "32 Desember 2024", "", "NaN", "1e309"]
HOSTILE_TEXT = ["\x00", "\u202e", "\ufeff", "\r\n", "\x0b", "&amp;", "&#0;", "&#xD800;", "]]>",
                "<!--", "<![CDATA[", "'\"", "%s%n", "{{", "\\", "\u00a0", "ΩΩ", "🙂" * 3]


@functools.cache
def vocabulary(engine: str) -> tuple[str, ...]:
    """String literals and their words from the engine's modules (``name.py``, ``_family*``)."""
    family = re.match(r"[a-z]+", engine)
    stem = family.group() if family else engine
    files = [p for p in ENGINES_DIR.glob("*.py")
             if p.stem in (engine, "base") or p.stem.lstrip("_").startswith(stem)]
    found: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literal = node.value
                if 0 < len(literal) <= 60 and "\n" not in literal:
                    found.add(literal)
                found.update(_WORD.findall(literal))
    return tuple(sorted(found))


def _words(engine: str) -> st.SearchStrategy[str]:
    return st.sampled_from(vocabulary(engine))


def _text() -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=30), st.sampled_from(HOSTILE_TEXT))


def urls(engine: str) -> st.SearchStrategy[str]:
    """Links: the engine's paths on the test site, hostile links, and noise."""
    paths = [w for w in vocabulary(engine) if ("/" in w or "." in w) and " " not in w]
    return st.one_of(
        st.builds(lambda p, n: BASE + p.lstrip("/").replace("{}", str(n)),
                  st.sampled_from(paths or ["index.php"]), st.integers(-5, 10**12)),
        st.builds(lambda p, q, n: f"{BASE}{p.lstrip('/')}?{q}={n}",
                  st.sampled_from(paths or ["x"]), _words(engine), st.integers(-1, 10**6)),
        st.sampled_from(HOSTILE_URLS), _text())


def values(engine: str) -> st.SearchStrategy[str]:
    """Attribute values and texts: words, links, dates, numbers and hostile text."""
    return st.one_of(_words(engine), urls(engine), st.sampled_from(HOSTILE_DATES),
                     st.integers(-(10**20), 10**20).map(str), _text(),
                     st.lists(_words(engine), min_size=1, max_size=4).map(" ".join))


def html_documents(engine: str) -> st.SearchStrategy[str]:
    """HTML-ish documents made of the engine's vocabulary (and sometimes cut short)."""
    names = st.one_of(st.sampled_from(ATTRIBUTES),
                      _words(engine).filter(lambda w: w.startswith("data-")))
    attrs = st.dictionaries(names, values(engine), max_size=4).map(
        lambda d: "".join(f' {k}="{v.replace(chr(34), "&quot;")}"' for k, v in d.items()))
    leaf = st.one_of(values(engine), st.just(""))

    def element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.builds(lambda t, a, c: f"<{t}{a}>{''.join(c)}</{t}>",
                         st.sampled_from(TAGS), attrs,
                         st.lists(children, max_size=4))

    body = st.recursive(leaf, element, max_leaves=30)
    doc = st.builds(lambda lang, b: f'<!DOCTYPE html><html lang="{lang}"><body>{b}</body></html>',
                    st.sampled_from(["id", "en", "de", "", "x-y_z"]), body)
    return st.one_of(doc, st.builds(lambda d, cut: d[:cut], doc, st.integers(0, 4000)), body)


def json_documents(engine: str) -> st.SearchStrategy[str]:
    """JSON made of the engine's keys, with hostile scalars (and lone surrogates)."""
    surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=2)
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20),
                        st.floats(allow_nan=False), values(engine),
                        st.builds(lambda a, s: a + s, values(engine), surrogates),
                        html_documents(engine))
    tree = st.recursive(scalars, lambda c: st.one_of(
        st.lists(c, max_size=4), st.dictionaries(_words(engine), c, max_size=6)),
        max_leaves=40)
    return st.builds(json.dumps, st.dictionaries(_words(engine), tree, max_size=8))


def page_urls(engine: str) -> st.SearchStrategy[str]:
    """The URL a page was fetched from: one of the engine's paths on the test site."""
    paths = [w for w in vocabulary(engine)
             if ("/" in w or ".php" in w or ".json" in w) and " " not in w and "{" not in w]
    return st.one_of(st.just(BASE), st.sampled_from([BASE + p.lstrip("/") for p in paths]
                                                     or [BASE]))


def documents(engine: str) -> st.SearchStrategy[Any]:
    """Any document an engine may be handed: HTML, JSON, or random text."""
    return st.one_of(html_documents(engine), json_documents(engine), st.text(max_size=200))
