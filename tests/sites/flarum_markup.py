"""Flarum 1.x markup for the fixture: post ``contentHtml`` as its formatter renders it, the HTML
shell of the front end, and PHP's JSON encodings (API responses and the boot payload)."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from html import escape
from typing import Any

from crawler.demosite.model import Post, QuoteRef, Uncited

_URL = re.compile(r"https?://[^\s<>\"]+")
# flarum/emoji turns these emoticons into twemoji images whose alt text is the emoji.
EMOTICONS = {":)": ("\U0001f642", "1f642"), ";)": ("\U0001f609", "1f609")}
_EMOTICON = re.compile(r"(?<!\S)(?::\)|;\))(?!\S)")
TWEMOJI = "https://cdn.jsdelivr.net/gh/twitter/twemoji@14/assets/72x72/{}.png"


def slugify(text: str) -> str:
    """Laravel's ``Str::slug``: ASCII, lower case, dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def iso(when: datetime) -> str:
    """A timestamp as Flarum's serializers format it (RFC 3339 in UTC)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def shown_text(text: str) -> str:
    """A model text as a Flarum page shows it: emoticons as emoji."""
    return _EMOTICON.sub(lambda m: EMOTICONS[m.group()][0], text)


def _inline(line: str) -> str:
    """One line: escaped, URLs autolinked (``rel="ugc nofollow"``), emoticons as twemoji."""
    out = escape(line, quote=False)
    out = _URL.sub(lambda m: f'<a href="{m.group()}" rel="ugc nofollow">{m.group()}</a>', out)

    def emoji(match: re.Match[str]) -> str:
        char, code = EMOTICONS[match.group()]
        return (f'<img alt="{char}" class="emoji" draggable="false" loading="lazy" '
                f'src="{TWEMOJI.format(code)}">')

    return _EMOTICON.sub(emoji, out)


def paragraphs(text: str, lead: str = "") -> str:
    """Markdown paragraphs: ``<p>`` per blank-line block, ``<br>`` per line break."""
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()] or [""]
    out = []
    for i, block in enumerate(blocks):
        inner = "<br>\n".join(_inline(line) for line in block.split("\n"))
        out.append(f"<p>{lead if i == 0 else ''}{inner}</p>")
    return "\n".join(out)


def post_mention(post_id: int, name: str, target: tuple[int, int] | None, base: str) -> str:
    """A PostMention; ``target`` (discussion id, number) is None once the post is gone."""
    if target is None:
        return (f'<span class="PostMention PostMention--deleted" data-id="{post_id}">'
                f"{escape(name)}</span>")
    return (f'<a href="{base}d/{target[0]}/{target[1]}" class="PostMention" '
            f'data-id="{post_id}">{escape(name)}</a>')


def content_html(post: Post, base: str, locate: Any, display_name: Any) -> str:
    """A comment's ``contentHtml``: quotes are ``> @"name"#p123 text`` blockquotes.

    ``locate(post_id)`` gives (discussion id, number) or None; ``display_name(post_id, name)``
    the name a mention shows.
    """
    parts = []
    for segment in post.segments:
        if isinstance(segment, QuoteRef):
            name = display_name(segment.post_id, segment.author_name)
            mention = post_mention(segment.post_id, name, locate(segment.post_id), base)
            parts.append(f"<blockquote>{paragraphs(segment.text, mention + ' ')}</blockquote>")
        elif isinstance(segment, Uncited):
            parts.append(f"<blockquote>{paragraphs(segment.text)}</blockquote>")
        else:
            parts.append(paragraphs(segment))
    return "\n".join(parts)


def hex_json(value: Any, escape_slashes: bool = False) -> str:
    """PHP's ``json_encode`` with the HEX_TAG/AMP/APOS/QUOT flags Flarum's responses use:
    ``<`` as ``\\u003C`` and so on, non-ASCII as ``\\uXXXX``; ``/`` as ``\\/`` unless
    JSON_UNESCAPED_SLASHES (API responses set it, the HTML payload does not)."""
    if isinstance(value, dict):
        items = (f"{hex_json(str(k), escape_slashes)}:{hex_json(v, escape_slashes)}"
                 for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(hex_json(v, escape_slashes) for v in value) + "]"
    if not isinstance(value, str):
        return json.dumps(value)
    inner = json.dumps(value)[1:-1].replace('\\"', "\\u0022")
    for char, code in (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"), ("'", "\\u0027")):
        inner = inner.replace(char, code)
    return '"' + (inner.replace("/", "\\/") if escape_slashes else inner) + '"'


def shell(title: str, base: str, payload: dict[str, Any], noscript: str) -> str:
    """The page every front-end route serves: an empty app, the no-JS content, the payload."""
    return f"""<!doctype html>
<html  dir="ltr"        lang="id" >
    <head>
        <meta charset="utf-8">
        <title>{escape(title)}</title>
        <link rel="canonical" href="{base}">
<meta name="viewport"
 content="width=device-width, initial-scale=1, maximum-scale=1, minimum-scale=1">
<meta name="description" content="Diskusi publik warga Kalimantan Tengah">
<meta name="theme-color" content="#4D698E">
<link rel="stylesheet" media="" class="nojs" href="{base}assets/forum.css?v=1c3e5a7f">
<link rel="preload" href="{base}assets/forum.js?v=2b4d6f8a" as="script">
<link rel="preload" href="{base}assets/forum-id.js?v=9e8d7c6b" as="script">
    </head>
    <body>
        <div id="app" class="App">
    <div id="app-navigation" class="App-navigation"></div>
    <div id="drawer" class="App-drawer">
        <header id="header" class="App-header">
            <div id="header-navigation" class="Header-navigation"></div>
            <div class="container">
                <div class="Header-title">
                    <a href="{base}" id="home-link">{escape(title)}</a>
                </div>
                <div id="header-primary" class="Header-primary"></div>
                <div id="header-secondary" class="Header-secondary"></div>
            </div>
        </header>
    </div>
    <main class="App-content">
        <div id="content"></div>
        <div class="container">
            <div id="flarum-loading" style="display: none">
                Memuat...
            </div>
            <noscript>
                <div class="Alert">
                    <div class="container">
                        Situs ini paling baik dilihat di browser modern dengan JavaScript aktif.
                    </div>
                </div>
            </noscript>
            <div id="flarum-loading-error" style="display: none">
                <div class="Alert">
                    <div class="container">
                        Terjadi kesalahan saat memuat versi lengkap situs ini.
                    </div>
                </div>
            </div>
            <noscript id="flarum-content">
                {noscript}
            </noscript>
        </div>
        <div class="App-composer">
            <div class="container">
                <div id="composer"></div>
            </div>
        </div>
    </main>
</div>
<div id="modal"></div>
<div id="alerts"></div>
<script>
    document.getElementById('flarum-loading').style.display = 'block';
    var flarum = {{extensions: {{}}}};
</script>
<script src="{base}assets/forum.js?v=2b4d6f8a"></script>
<script src="{base}assets/forum-id.js?v=9e8d7c6b"></script>
<script id="flarum-json-payload" type="application/json">{hex_json(payload, True)}</script>
<script>
    const data = JSON.parse(document.getElementById('flarum-json-payload').textContent);
    document.getElementById('flarum-loading').style.display = 'none';
    try {{
        flarum.core.app.load(data);
        flarum.core.app.bootExtensions(flarum.extensions);
        flarum.core.app.boot();
    }} catch (e) {{
        var error = document.getElementById('flarum-loading-error');
        error.innerHTML += document.getElementById('flarum-content').textContent;
        error.style.display = 'block';
        throw e;
    }}
</script>
    </body>
</html>
"""
