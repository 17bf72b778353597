"""Discourse 3.x JSON as its API serves it to anonymous readers: categories, topic lists,
topic views, posts; cooked HTML as Discourse's Markdown engine writes it."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from crawler.demosite.model import Board, Post, QuoteRef, Thread, Uncited
from tests.sites.discourse_model import (
    EMOJI,
    SYSTEM,
    Account,
    Definition,
    DiscourseView,
    created_at,
    iso,
    slugify,
    updated_at,
)

TOPICS_PER_PAGE = 30  # SiteSetting.topics_per_page
_URL = re.compile(r"https?://[^\s<>\"]+")
_EMOJI = re.compile(r"(?<!\S)(:\)|;\))(?!\S)")


def _avatar(account: Account) -> str:
    if account.username is None:
        return "/images/avatar.png"
    letter = account.username[0].lower()
    return f"/letter_avatar_proxy/v4/letter/{letter}/8c91f0/{{size}}.png"


def _inline(line: str) -> str:
    out = escape(line, quote=False)
    out = _URL.sub(lambda m: f'<a href="{m.group(0)}" rel="noopener nofollow ugc">'
                             f"{m.group(0)}</a>", out)
    return _EMOJI.sub(lambda m: (
        f'<img src="/images/emoji/twitter/{EMOJI[m.group(1)]}.png?v=12" '
        f'title=":{EMOJI[m.group(1)]}:" class="emoji" alt=":{EMOJI[m.group(1)]}:" '
        'loading="lazy" width="20" height="20">'), out)


def paragraphs(text: str) -> str:
    """Markdown text as cooked: a ``<p>`` per paragraph, ``<br>`` per line break."""
    paras = [p for p in text.split("\n\n") if p.strip()]
    return "\n".join("<p>" + "<br>\n".join(_inline(line) for line in p.split("\n")) + "</p>"
                     for p in paras)


def cooked(view: DiscourseView, post: Post, thread: Thread) -> str:
    """A post's cooked HTML: paragraphs, ``aside.quote`` quotes, plain Markdown blockquotes."""
    parts = []
    for segment in post.segments:
        if isinstance(segment, QuoteRef):
            who = view.account(segment.author_name, segment.author_id)
            username = who.username or segment.author_name.replace(" ", "_")
            number = view.numbers.get(segment.post_id, 0)
            parts.append(
                f'<aside class="quote no-group" data-username="{escape(username)}" '
                f'data-post="{number}" data-topic="{thread.thread_id}" data-full="true">\n'
                '<div class="title">\n<div class="quote-controls"></div>\n'
                f'<img loading="lazy" alt="" width="24" height="24" '
                f'src="{_avatar(who).replace("{size}", "48")}" class="avatar"> '
                f"{escape(username)}:</div>\n<blockquote>\n{paragraphs(segment.text)}\n"
                "</blockquote>\n</aside>")
        elif isinstance(segment, Uncited):
            inner = f"<blockquote>\n{paragraphs(segment.text)}\n</blockquote>"
            parts.append(inner if post.post_id % 2 == 0
                         else f'<aside class="quote no-group">\n{inner}\n</aside>')
        else:
            parts.append(paragraphs(segment))
    return "\n".join(parts)


def category_json(view: DiscourseView, board: Board, subcategories: bool) -> dict[str, Any]:
    """A category as /categories.json lists it (with its subcategories' objects if asked)."""
    topics = [t for t in view.topics_of(board) if isinstance(t, Thread)]
    children = view.forum.children(board.forum_id)
    found: dict[str, Any] = {
        "id": board.forum_id, "name": board.name, "color": "0088CC", "text_color": "FFFFFF",
        "slug": slugify(board.name), "topic_count": len(topics),
        "post_count": sum(len(t.posts) for t in topics), "position": board.forum_id,
        "description": board.description, "description_text": board.description,
        "description_excerpt": board.description, "topic_url": f"/t/{board.forum_id}",
        "read_restricted": False, "permission": None, "notification_level": 1,
        "can_edit": False, "topic_template": None, "has_children": bool(children),
        "subcategory_count": len(children) or None, "sort_order": None,
        "sort_ascending": None, "show_subcategory_list": False, "num_featured_topics": 3,
        "default_view": None, "subcategory_list_style": "rows_with_featured_topics",
        "default_top_period": "all", "default_list_filter": "all",
        "minimum_required_tags": 0, "navigate_to_first_post_after_read": False,
        "topics_day": 0, "topics_week": 0, "topics_month": 0, "topics_year": len(topics),
        "topics_all_time": len(topics), "is_uncategorized": False,
        "subcategory_ids": [c.forum_id for c in children], "uploaded_logo": None,
        "uploaded_logo_dark": None, "uploaded_background": None,
    }
    if board.parent_id is not None:
        found["parent_category_id"] = board.parent_id
    if subcategories and children:
        found["subcategory_list"] = [category_json(view, c, True) for c in children]
    return found


def topic_list_item(view: DiscourseView, topic: Thread | Definition) -> dict[str, Any]:
    """A topic as topic lists show it."""
    if isinstance(topic, Definition):
        first = last = None
        count, created, last_at = 1, topic.created, topic.created
        topic_id, title, category, pinned = topic.topic_id, topic.title, topic.board.forum_id, True
        highest, posters = 1, [SYSTEM]
    else:
        first, last = topic.posts[0], topic.posts[-1]
        count, created, last_at = len(topic.posts), created_at(first), created_at(last)
        topic_id, title, category, pinned = topic.thread_id, topic.title, topic.forum_id, False
        highest = view.highest[topic.thread_id]
        posters = [view.author(first), view.author(last)]
    return {
        "id": topic_id, "title": title, "fancy_title": escape(title, quote=False),
        "slug": slugify(title), "posts_count": count, "reply_count": max(count - 1, 0),
        "highest_post_number": highest, "image_url": None, "created_at": iso(created),
        "last_posted_at": iso(last_at), "bumped": True, "bumped_at": iso(last_at),
        "archetype": "regular", "unseen": False, "pinned": pinned, "unpinned": None,
        "visible": True, "closed": False, "archived": False, "bookmarked": None,
        "liked": None, "tags": [], "tags_descriptions": {}, "views": topic_id * 13 % 997,
        "like_count": topic_id % 7, "has_summary": False,
        "last_poster_username": posters[-1].username, "category_id": category,
        "pinned_globally": False, "featured_link": None, "has_accepted_answer": False,
        "posters": [{"extras": "latest" if i == len(posters) - 1 else None,
                     "description": "Original Poster" if i == 0 else "Most Recent Poster",
                     "user_id": a.user_id, "primary_group_id": None, "flair_group_id": None}
                    for i, a in enumerate(posters)],
        **({"excerpt": escape(topic.board.description)} if isinstance(topic, Definition)
           else {}),
    }


def user_json(account: Account) -> dict[str, Any]:
    return {"id": account.user_id, "username": account.username, "name": account.name,
            "avatar_template": _avatar(account), "trust_level": 1}


def post_json(view: DiscourseView, post: Post | Definition,
              thread: Thread | None) -> dict[str, Any]:
    """A post as topic views serialize it for an anonymous reader."""
    if isinstance(post, Definition):
        account, number, post_id, reply_to = SYSTEM, 1, post.topic_id, None
        created = updated = post.created
        html, version, topic_id = f"<p>{escape(post.board.description)}</p>", 1, post.topic_id
        slug, reads = slugify(post.title), 3
    else:
        assert thread is not None
        account, number, post_id = view.author(post), view.numbers[post.post_id], post.post_id
        created, updated, version = created_at(post), updated_at(post), 1 + post.edit_count
        reply_to = view.numbers.get(post.reply_to) if post.reply_to is not None else None
        html, topic_id = cooked(view, post, thread), thread.thread_id
        slug, reads = slugify(thread.title), 5 + post.post_id % 30
    likes = post_id * 7 % 4
    found: dict[str, Any] = {
        "id": post_id, "name": account.name, "username": account.username,
        "avatar_template": _avatar(account), "created_at": iso(created), "cooked": html,
        "post_number": number, "post_type": 1, "updated_at": iso(updated),
        "reply_count": 0, "reply_to_post_number": reply_to, "quote_count": 0,
        "incoming_link_count": 0, "reads": reads, "readers_count": max(reads - 1, 0),
        "score": float(reads), "yours": False, "topic_id": topic_id, "topic_slug": slug,
        "display_username": account.name, "primary_group_name": None, "flair_name": None,
        "flair_url": None, "flair_bg_color": None, "flair_color": None,
        "flair_group_id": None, "badges_granted": [], "version": version, "can_edit": False,
        "can_delete": False, "can_recover": False, "can_see_hidden_post": False,
        "can_wiki": False, "read": True, "user_title": None, "bookmarked": False,
        "actions_summary": [{"id": 2, "count": likes}] if likes else [],
        "moderator": account.user_id == SYSTEM.user_id, "admin": account.user_id == 2,
        "staff": account.user_id in (SYSTEM.user_id, 2), "user_id": account.user_id,
        "hidden": False, "trust_level": 1, "deleted_at": None,
        "user_deleted": account.user_id is None, "edit_reason": None,
        "can_view_edit_history": True, "wiki": False,
        "post_url": f"/t/{slug}/{topic_id}/{number}",
    }
    if reply_to is not None and isinstance(post, Post) and post.reply_to is not None:
        try:
            parent = view.author(view.forum.post(post.reply_to))
        except KeyError:  # the replied-to post is gone; Discourse still names its author
            return found
        found["reply_to_user"] = {"id": parent.user_id, "username": parent.username,
                                  "name": parent.name, "avatar_template": _avatar(parent)}
    return found
