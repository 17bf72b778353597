"""Flarum's JSON:API resources: a document's resources by id, and a post resource as a PostItem.

Helpers of the ``flarum`` adapter (this module defines no ``ENGINE``). A Flarum post body is
the server-rendered ``contentHtml``: a mention of another post is
``<a href=".../d/12/5" class="PostMention" data-id="123">name</a>`` (a ``span`` with
``PostMention--deleted`` once that post is gone), a quote is a ``<blockquote>`` beginning with
a mention of the quoted post (what Flarum's "Quote" button writes: ``> @"name"#p123 text``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector

from crawler.extract.dates import parse_iso
from crawler.extract.engines.base import ParseContext
from crawler.extract.text import BLOCK_TAGS, extract_body
from crawler.extract.urls import canonicalize_url
from crawler.items import PostItem

Resource = dict[str, Any]
Index = dict[tuple[str, str], Resource]

DELETED_USER = "[deleted]"  # core.lib.username.deleted_text: the author's account was deleted
# Attribute of guest-posting extensions that names a guest author (the user relationship is null).
GUEST_NAME_ATTRIBUTES = ("guest_username",)
_CLASS = 'contains(concat(" ", normalize-space(@class), " "), " {} ")'
_POST_MENTIONS = f".//*[{_CLASS.format('PostMention')}][@data-id]"
_MENTION_LINKS = f".//a[{_CLASS.format('PostMention')} or {_CLASS.format('UserMention')}]/@href"


def ref(resource: Resource, name: str) -> Any:
    """A relationship's ``data``: a reference, a list of them or None; ``...`` when absent."""
    relationships = resource.get("relationships") if isinstance(resource, dict) else None
    relationship = relationships.get(name) if isinstance(relationships, dict) else None
    return relationship.get("data") if isinstance(relationship, dict) else ...


def refs(resource: Resource, name: str) -> list[Resource]:
    """The references of a to-many relationship (empty when absent)."""
    data = ref(resource, name)
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def attrs(resource: Resource | None) -> dict[str, Any]:
    """A resource's ``attributes`` (empty for a bare reference, or anything but an object)."""
    values = resource.get("attributes") if isinstance(resource, dict) else None
    return values if isinstance(values, dict) else {}


def index_document(document: dict[str, Any]) -> Index:
    """Every full resource of a document (primary data and ``included``) by (type, id)."""
    data = document.get("data")
    included = document.get("included")
    resources = [*(data if isinstance(data, list) else [data]),
                 *(included if isinstance(included, list) else [])]
    return {(str(r.get("type")), str(r.get("id"))): r for r in resources
            if isinstance(r, dict) and "attributes" in r}


def _author(base: str, post: Resource,
            index: Index) -> tuple[str | None, str | None, str | None]:
    """(name, user id, profile URL): a deleted account or a guest has a name and no id."""
    user_ref = ref(post, "user")
    if user_ref is ...:
        return None, None, None
    if not isinstance(user_ref, dict):
        for name in GUEST_NAME_ATTRIBUTES:
            guest = attrs(post).get(name)
            if isinstance(guest, str) and guest.strip():
                return guest.strip(), None, None
        return DELETED_USER, None, None
    user_id = str(user_ref.get("id"))
    user = attrs(index.get(("users", user_id)))
    display = user.get("displayName") or user.get("username")
    slug = user.get("slug") or user.get("username")
    profile = canonicalize_url(urljoin(base, f"u/{slug}")) if slug else None
    return (str(display) if display else None), user_id, profile


def _cite_quotes(root: Any) -> None:
    """Give each top-level quote a ``cite`` naming its post, from the mention it begins with.

    The shared body extractor reads a quote's source from its ``cite``; the mention's name
    ("budi") heads the quote and so leaves the quoted text, as phpBB's "budi menulis:" does.
    """
    for quote in root.iter("blockquote"):
        if any(a.tag == "blockquote" for a in quote.iterancestors()):
            continue
        mention = next((m for m in quote.xpath(_POST_MENTIONS)
                        if next(m.iterancestors("blockquote")) is quote), None)
        if mention is None or mention.getparent() is None:
            continue
        cite = etree.Element("cite")
        link = etree.SubElement(cite, "a", {"data-post-id": mention.get("data-id", "")})
        link.text = mention.text
        cite.tail = mention.tail
        mention.getparent().replace(mention, cite)


def _tidy_blocks(root: Any) -> None:
    """Make paragraph breaks explicit: whitespace between blocks goes, and consecutive ``<p>``
    get a ``<br>`` between them, so paragraphs are parted by one blank line (as phpBB's
    ``<br><br>``) and a quote by one line break, whatever whitespace the formatter left."""
    for parent in [el for el in root.iter() if isinstance(el.tag, str)]:
        children = [c for c in parent if isinstance(c.tag, str)]
        if children and children[0].tag in BLOCK_TAGS and not (parent.text or "").strip():
            parent.text = None
        for i, child in enumerate(children):
            after = children[i + 1] if i + 1 < len(children) else None
            if (child.tail or "").strip():
                continue
            if child.tag in BLOCK_TAGS or after is None or after.tag in BLOCK_TAGS:
                child.tail = None
            if child.tag == "p" and after is not None and after.tag == "p":
                child.addnext(etree.Element("br"))


def post_item(base: str, post: Resource, index: Index, context: ParseContext,
              thread_id: str | None = None) -> PostItem | None:
    """A comment post as a PostItem; None for event posts ("discussionRenamed"...) and hidden
    (soft-deleted) posts. ``thread_id``: the discussion, where the post does not name it."""
    values = attrs(post)
    if values.get("contentType") != "comment" or "contentHtml" not in values \
            or values.get("isHidden"):
        return None
    zone = ZoneInfo(context.timezone)
    discussion = ref(post, "discussion")
    if isinstance(discussion, dict):
        thread_id = str(discussion.get("id"))
    number = values.get("number")
    url = urljoin(base, f"d/{thread_id}/{number}" if thread_id else f"api/posts/{post.get('id')}")
    node = Selector(text=f'<div class="Post-body">{values.get("contentHtml") or ""}</div>')
    body_node = node.css("div.Post-body")[0]
    root = body_node.root
    mentions = [str(m.get("data-id")) for m in root.xpath(_POST_MENTIONS)
                if str(m.get("data-id")).isdigit()]
    mention_links = {urljoin(base, str(h)) for h in root.xpath(_MENTION_LINKS)}
    _cite_quotes(root)
    _tidy_blocks(root)
    body = extract_body(body_node, base)
    author_name, author_id, author_url = _author(base, post, index)
    title = attrs(index.get(("discussions", thread_id or ""))).get("title") if number == 1 else None
    metrics = {name: int(values[key]) for name, key in
               (("likes", "likesCount"), ("mentioned_by", "mentionedByCount"))
               if isinstance(values.get(key), int)}
    return PostItem(
        native_id=str(post.get("id")),
        url=canonicalize_url(url),
        body_text=body.own_text,
        thread_native_id=thread_id,
        author_name=author_name, author_id=author_id, author_url=author_url,
        published_at=parse_iso(values.get("createdAt"), zone),
        published_via="api",
        edited_at=parse_iso(values.get("editedAt"), zone),
        title=title or None,
        parent_native_id=mentions[0] if mentions else None,
        quoted_native_ids=body.quoted_ids,
        quoted_text=body.quoted_texts,
        links=[link for link in body.links if link not in mention_links],
        media=body.media,
        metrics=metrics,
        raw=json.dumps(post, ensure_ascii=False),
    )
