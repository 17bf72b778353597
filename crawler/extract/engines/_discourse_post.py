"""Discourse posts as PostItems: the post JSON's author, dates and metrics, and its cooked HTML.

A post's body is ``cooked``, the HTML Discourse renders from the post's Markdown. A quote is
``<aside class="quote" data-topic="T" data-post="N" data-username="u">`` holding a
``div.title`` ("budi:") and the quoted ``<blockquote>``: it names the quoted post by topic and
*post number*, never by id. The number becomes an id where the page shows it: a post of the
same page, or an earlier post of the topic when the page's ``post_stream.stream`` (every post id
of the topic in order) has no gap before the page (post numbers 1..n sit at stream places
0..n-1 exactly when nothing before them was deleted). Quotes of other topics, and of earlier
posts behind a gap, keep their text but no id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector

from crawler.extract.dates import parse_iso
from crawler.extract.engines._discourse_urls import as_int
from crawler.extract.engines.base import ParseContext
from crawler.extract.sanitize import as_list
from crawler.extract.text import BodyParts, extract_body
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem

SMALL_ACTION = 3  # post_type of "closed the topic", "pinned", "split this topic": no post
LIKE = 2  # actions_summary id of likes
_HAS_CLASS = 'contains(concat(" ", normalize-space(@class), " "), " {} ")'
_QUOTES = f'.//aside[{_HAS_CLASS.format("quote")}]'


@dataclass(slots=True)
class TopicInfo:
    """What every post of one topic page shares."""

    root: str  # the site's base URL, ending in /
    topic_id: str
    slug: str | None
    title: str | None
    container: str | None


def number_map(posts: list[dict[str, Any]], stream: list[int]) -> dict[int, str]:
    """Post number -> post id for what the page shows: its posts, and the stream before them
    where the numbers there are certain (no gap before the last post whose number equals its
    stream place + 1)."""
    numbers = {n: str(p["id"]) for p in posts
               if (n := as_int(p.get("post_number"))) is not None and "id" in p}
    places = {pid: i for i, pid in enumerate(stream)}
    certain = -1  # stream places 0..certain hold post numbers 1..certain+1
    for post in posts:
        place = places.get(as_int(post.get("id")) or -1)
        if place is not None and as_int(post.get("post_number")) == place + 1:
            certain = max(certain, place)
    for place in range(certain):
        numbers.setdefault(place + 1, str(stream[place]))
    return numbers


def _replace(old: Any, new: Any) -> None:
    new.tail = old.tail
    old.getparent().replace(old, new)


def _prepare(root: Any, topic_id: str, numbers: dict[int, str]) -> list[str]:
    """Rewrite cooked HTML into what the shared body extractor reads; return the ids of the
    posts the top-level quotes cite, in order (unknown ones left out)."""
    cited: list[str] = []
    for aside in root.xpath(_QUOTES):
        for title in aside.xpath(f'./div[{_HAS_CLASS.format("title")}]'):
            _drop_keep_tail(title)
        same_topic = aside.get("data-topic") in (None, "", topic_id)
        number = as_int(aside.get("data-post"))
        post_id = numbers.get(number) if same_topic and number is not None else None
        top = not any(a.tag == "blockquote" for a in aside.iterancestors())
        aside.tag = "blockquote"  # the extractor's quote element; the inner one is its text
        if top and post_id:
            cited.append(post_id)
    for box in root.xpath(f'.//aside[{_HAS_CLASS.format("onebox")}]'):
        source = box.get("data-onebox-src") or next(iter(box.xpath(".//a/@href")), "")
        para = etree.Element("p")
        link = etree.SubElement(para, "a", {"href": source})
        link.text = source
        _replace(box, para)
    for wrapper in root.xpath(f'.//div[{_HAS_CLASS.format("lightbox-wrapper")}]'):
        image = next(iter(wrapper.xpath(".//img")), None)
        full = next(iter(wrapper.xpath(f'.//a[{_HAS_CLASS.format("lightbox")}]/@href')), None)
        attrs = {"src": full or (image.get("src") if image is not None else "") or ""}
        if image is not None and image.get("alt"):
            attrs["alt"] = image.get("alt")
        _replace(wrapper, etree.Element("img", attrs))
    for junk in root.xpath(f'.//div[{_HAS_CLASS.format("poll-info")}]'):
        _drop_keep_tail(junk)
    _paragraph_breaks(root)
    return cited


def _drop_keep_tail(el: Any) -> None:
    parent = el.getparent()
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _paragraph_breaks(root: Any) -> None:
    """A blank line between a paragraph and its neighbours, as a browser's innerText has it:
    a line of a no-break space, which normalized text keeps as an empty line."""
    def separator() -> Any:
        line = etree.Element("div", {"class": "pantau-paragraph-break"})
        line.text = "\xa0"
        return line

    def is_separator(el: Any) -> bool:
        return el is not None and el.get("class") == "pantau-paragraph-break"

    for para in list(root.iter("p")):
        if para.getnext() is not None and not is_separator(para.getnext()):
            para.addnext(separator())
        if para.getprevious() is not None and not is_separator(para.getprevious()):
            para.addprevious(separator())


def _media(root: Any, base: str) -> list[dict[str, Any]]:
    """Attachments and videos (the extractor collects images itself)."""
    found: list[dict[str, Any]] = []
    for href in root.xpath(f'.//a[{_HAS_CLASS.format("attachment")}]/@href'):
        found.append({"type": "attachment", "url": urljoin(base, href)})
    for src in root.xpath(".//*[@data-video-src]/@data-video-src | .//video//source/@src"):
        found.append({"type": "video", "url": urljoin(base, src)})
    return found


def cooked_body(cooked: str, base: str, topic_id: str,
                numbers: dict[int, str]) -> tuple[BodyParts, list[str]]:
    """The body parts of cooked HTML and the ids of the posts its quotes cite."""
    node = Selector(text=f'<div class="cooked">{cooked}</div>').css("div.cooked")[0]
    cited = _prepare(node.root, topic_id, numbers)
    extra = _media(node.root, base)
    body = extract_body(node, base)
    body.media.extend(item for item in extra if item not in body.media)
    return body, cited


def _metrics(post: dict[str, Any]) -> dict[str, int]:
    likes = next((as_int(a.get("count")) for a in as_list(post.get("actions_summary"))
                  if isinstance(a, dict) and a.get("id") == LIKE), None)
    if likes is None:
        likes = as_int(post.get("like_count"))
    found = {"likes": likes, "reads": as_int(post.get("reads")),
             "replies": as_int(post.get("reply_count")), "quotes": as_int(post.get("quote_count"))}
    reactions = post.get("reactions")
    if isinstance(reactions, list):
        found["reactions"] = sum(as_int(r.get("count")) or 0 for r in reactions
                                 if isinstance(r, dict))
    return {name: value for name, value in found.items() if value is not None}


def _author(post: dict[str, Any], root: str) -> tuple[str | None, str | None, str | None]:
    """(name, user id, profile URL). A deleted account has neither name nor id in the API."""
    username = post.get("username") or None
    name = username or post.get("display_username") or post.get("name") or None
    user_id = as_int(post.get("user_id"))
    if user_id is None or post.get("user_deleted"):
        return name, None, None
    profile = canonicalize_url(urljoin(root, f"u/{quote(username)}")) if username else None
    return name, str(user_id), profile


def post_item(post: dict[str, Any], topic: TopicInfo, numbers: dict[int, str],
              context: ParseContext) -> PostItem | None:
    """One post of a topic as a PostItem; None for small actions and deleted posts."""
    if post.get("post_type") == SMALL_ACTION or post.get("deleted_at") or "id" not in post:
        return None
    zone = ZoneInfo(context.timezone)
    number = as_int(post.get("post_number"))
    slug = post.get("topic_slug") or topic.slug
    path = f"t/{slug}/{topic.topic_id}" if slug else f"t/{topic.topic_id}"
    url = canonicalize_url(urljoin(topic.root, f"{path}/{number}" if number else path))
    body, cited = cooked_body(str(post.get("cooked") or ""), topic.root, topic.topic_id, numbers)
    author_name, author_id, author_url = _author(post, topic.root)
    reply_to = as_int(post.get("reply_to_post_number"))
    edited = None
    if (as_int(post.get("version")) or 1) > 1:
        edited = parse_iso(post.get("last_wiki_edit") if post.get("wiki") else None, zone) \
            or parse_iso(post.get("updated_at"), zone)
    return PostItem(
        native_id=str(post["id"]), url=url, body_text=body.own_text,
        thread_native_id=topic.topic_id, thread_title=topic.title, container=topic.container,
        position=number, author_name=author_name, author_id=author_id, author_url=author_url,
        published_at=parse_iso(post.get("created_at"), zone), published_via="api",
        edited_at=edited, title=topic.title if number == 1 else None,
        parent_native_id=numbers.get(reply_to) if reply_to is not None else None,
        reply_to_position=reply_to, quoted_native_ids=cited, quoted_text=body.quoted_texts,
        links=body.links, media=body.media, metrics=_metrics(post),
        raw=json.dumps(post, ensure_ascii=False),
    )
