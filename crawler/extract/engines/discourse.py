"""Discourse through its JSON API: categories -> category topic lists -> topics -> posts.

Every Discourse page is an Ember application fed by JSON that anyone may read, so the adapter
reads the JSON: ``/categories.json?include_subcategories=true`` names the categories (boards
``/c/<slug path>/<id>.json``), a category's topic list pages on with ``more_topics_url``
(``/c/<slug>/<id>/l/latest?page=1`` -> ``.json``), and ``/t/<id>.json`` holds a topic's title,
category id, its first 20 posts and ``post_stream.stream``, every post id in order. Later pages
are ``/t/<id>.json?page=N`` (20 posts each, with the stream again), which Discourse serves for
its crawler view too; a page needs nothing from earlier ones, and the stream says whether
another follows. ``/t/<id>/<post_number>.json`` (posts around that number, used to resume a
thread) continues at the page-aligned chunk after it.

Category names are not in topic JSON (only ``category_id``): the adapter remembers the names it
saw on category lists (and wherever a response embeds categories) per site, and a container is
the category's name, or its id where no name was seen (a crawl of given thread URLs only).
Post numbers are positions; ``reply_to_post_number`` is the reply-to; quotes and reply-to name
posts by number and become ids where the page shows them (see ``_discourse_post``).
"""

from __future__ import annotations

from html import unescape
from typing import Any
from urllib.parse import urlsplit

from crawler.extract.engines._discourse_categories import CategoryMemory
from crawler.extract.engines._discourse_post import TopicInfo, number_map, post_item
from crawler.extract.engines._discourse_urls import (
    CHUNK_SIZE,
    as_int,
    json_url,
    paging,
    site_root,
    topic_path,
    topic_url,
)
from crawler.extract.engines.base import (
    Engine,
    KnownThread,
    Page,
    PageResult,
    ParseContext,
    ThreadInfo,
    ThreadLink,
)
from crawler.extract.sanitize import as_list
from crawler.extract.urls import canonicalize_url
from crawler.items import UnparsablePage, normalize_text

__all__ = ["ENGINE", "Discourse", "site_root", "topic_url"]


def _title(data: dict[str, Any]) -> str | None:
    title, fancy = data.get("title"), data.get("fancy_title")
    if isinstance(title, str) and title:
        return normalize_text(title) or None
    return normalize_text(unescape(fancy)) or None if isinstance(fancy, str) else None


def _signature(topic: dict[str, Any]) -> str | None:
    """Posts, highest post number and last post time: any new or removed post changes it."""
    if topic.get("posts_count") is None:
        return None
    return f"{topic.get('posts_count')}|{topic.get('highest_post_number')}|" \
           f"{topic.get('last_posted_at')}"


class Discourse(Engine):
    """Discourse 1.x-3.x via the JSON its own front end reads (no API key needed)."""

    name = "discourse"
    has_reply_to = True

    def __init__(self) -> None:
        self.categories = CategoryMemory()

    def detect(self, page: Page) -> str | None:
        data = page.data
        if isinstance(data, dict):
            for key, inner, marks in (("post_stream", "posts", ("post_number", "cooked")),
                                      ("topic_list", "topics", ("posts_count",
                                                                "highest_post_number")),
                                      ("category_list", "categories", ("slug", "topic_count"))):
                block = data.get(key)
                items = block.get(inner) if isinstance(block, dict) else None
                if isinstance(items, list) and (not items or (
                        isinstance(items[0], dict) and any(m in items[0] for m in marks))):
                    return f'Discourse JSON "{key}"'
            latest = data.get("latest_posts")
            if isinstance(latest, list) and latest and isinstance(latest[0], dict) \
                    and "cooked" in latest[0] and "topic_id" in latest[0]:
                return 'Discourse JSON "latest_posts"'
            return None
        if data is not None:  # other JSON (parsel would read it as JSON, not HTML)
            return None
        sel = page.selector
        generator = sel.css('meta[name="generator"]::attr(content)').get() or ""
        if generator.lower().startswith("discourse"):
            return f'meta generator "{generator}"'
        if sel.css("#data-discourse-setup, meta[name='discourse_theme_id'], discourse-assets"):
            return "Discourse boot data"
        return None

    def start_url(self, url: str) -> str:
        """The JSON behind ``url``: a topic's, a category's, or else the category list."""
        root = site_root(url)
        path = urlsplit(url).path
        if path.endswith(".json"):
            return canonicalize_url(url)
        topic, _ = topic_path(url)
        if topic:
            return topic_url(root, topic)
        rest = path[len(urlsplit(root).path):].strip("/")
        if rest.startswith("c/") or rest in ("latest", "top", "hot"):
            return canonicalize_url(f"{root}{rest}.json")
        return canonicalize_url(f"{root}categories.json?include_subcategories=true")

    def resume_url(self, known: KnownThread) -> str | None:
        """The posts around the last stored one (``/t/<id>/<post number>.json``): the stored
        position is the post number, which deletions before it never change."""
        first = known.url or known.last_page_url
        if not first:
            return None
        root = site_root(first)
        if known.post_count and known.post_count > 1:
            return canonicalize_url(f"{root}t/{known.native_id}/{known.post_count}.json")
        return topic_url(root, known.native_id)

    def parse(self, page: Page, context: ParseContext) -> PageResult:
        data = page.data
        root = site_root(page.url)
        if not isinstance(data, dict):
            return self._html(page) if self.detect(page) else PageResult(kind="other")
        self.categories.learn(root, data)
        if isinstance(data.get("post_stream"), dict):
            return self._topic(page.url, root, data, context)
        if isinstance(data.get("topic_list"), dict):
            return self._board(page.url, root, data["topic_list"])
        if isinstance(data.get("latest_posts"), list):
            return self._latest_posts(root, data["latest_posts"], context)
        if isinstance(data.get("category_list"), dict) or isinstance(data.get("categories"), list):
            return PageResult(kind="index", boards=self.categories.boards(root))
        return PageResult(kind="other")

    # -- lists ----------------------------------------------------------------------------------

    def _board(self, url: str, root: str, topic_list: dict[str, Any]) -> PageResult:
        threads = []
        for topic in as_list(topic_list.get("topics")):
            if not isinstance(topic, dict) or as_int(topic.get("id")) is None \
                    or topic.get("archetype") == "private_message":
                continue
            category = topic.get("category_id")
            if category is None and isinstance(topic.get("category"), dict):
                category = topic["category"].get("id")
            threads.append(ThreadLink(
                url=topic_url(root, topic["id"]), native_id=str(topic["id"]),
                title=_title(topic), container=self.categories.name(root, category),
                signature=_signature(topic), sticky=bool(topic.get("pinned"))))
        more = topic_list.get("more_topics_url")
        next_url = json_url(url, more) if isinstance(more, str) and more and threads else None
        return PageResult(kind="board", threads=threads, next_url=next_url)

    def _latest_posts(self, root: str, posts: list[Any], context: ParseContext) -> PageResult:
        """``/posts.json``: the site's latest posts, of many topics (a list of their topics)."""
        result = PageResult(kind="board")
        seen: set[str] = set()
        for post in (p for p in posts if isinstance(p, dict) and p.get("topic_id") is not None):
            topic_id = str(post["topic_id"])
            title = normalize_text(post.get("topic_title")) or None
            topic = TopicInfo(root, topic_id, post.get("topic_slug"), title,
                              self.categories.name(root, post.get("category_id")))
            same = [p for p in posts if isinstance(p, dict) and str(p.get("topic_id")) == topic_id]
            item = post_item(post, topic, number_map(same, []), context)
            if item is not None:
                result.posts.append(item)
            if topic_id not in seen:
                seen.add(topic_id)
                result.threads.append(ThreadLink(url=topic_url(root, topic_id),
                                                 native_id=topic_id, title=title,
                                                 container=topic.container))
        return result

    def _html(self, page: Page) -> PageResult:
        """A Discourse HTML page: the JSON twin of its topic, or the category list."""
        topic, _ = topic_path(page.url)
        if topic:
            return PageResult(kind="board", threads=[ThreadLink(
                url=topic_url(site_root(page.url), topic), native_id=topic)])
        return PageResult(kind="index", boards=[self.start_url(page.url)])

    # -- topics ---------------------------------------------------------------------------------

    def _topic(self, url: str, root: str, data: dict[str, Any],
               context: ParseContext) -> PageResult:
        block = data["post_stream"]
        posts = [p for p in as_list(block.get("posts")) if isinstance(p, dict) and "id" in p]
        stream = [n for i in as_list(block.get("stream")) if (n := as_int(i)) is not None]
        topic_id = str(data.get("id") or (posts[0].get("topic_id") if posts else "")
                       or topic_path(url)[0] or "")
        if not posts or not topic_id:
            raise UnparsablePage(f"no Discourse posts in topic JSON {url}")
        title = _title(data)
        container = self.categories.name(root, data.get("category_id"))
        topic = TopicInfo(root, topic_id, data.get("slug") or None, title, container)
        chunk = as_int(data.get("chunk_size")) or CHUNK_SIZE
        keep, next_url = paging(url, root, topic_id, posts, stream, chunk)
        numbers = number_map(posts, stream)
        items = [item for post in posts if keep is None or str(post["id"]) in keep
                 if (item := post_item(post, topic, numbers, context)) is not None]
        thread = ThreadInfo(native_id=topic_id, title=title, container=container,
                            url=topic_url(root, topic_id))
        return PageResult(kind="thread", posts=items, thread=thread, next_url=next_url)


ENGINE = Discourse()
