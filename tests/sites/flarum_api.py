"""Flarum 1.x JSON:API documents of the fixture, shaped as its serializers and controllers
build them (tobscure/json-api: ``data``, ``included`` without the primary data, ``links``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from crawler.demosite.model import Post, Thread, User
from tests.sites.flarum_data import EventPost, FlarumData, Tag, username
from tests.sites.flarum_markup import content_html, iso, slugify

Resource = dict[str, Any]
MENTIONED_BY_LIMIT = 4  # flarum/mentions loads this many "mentionedBy" posts per post


def ref(kind: str, ident: int | str) -> Resource:
    """A resource identifier."""
    return {"type": kind, "id": str(ident)}


def user_resource(user: User) -> Resource:
    """UserSerializer as a guest sees it."""
    name = username(user)
    return {"type": "users", "id": str(user.user_id), "attributes": {
        "username": name, "displayName": user.name, "avatarUrl": None, "slug": name,
        "joinTime": "2023-11-02T03:00:00+00:00", "discussionCount": user.user_id % 9,
        "commentCount": user.user_id * 3, "canEdit": False, "canEditCredentials": False,
        "canEditGroups": False, "canDelete": False, "lastSeenAt": None,
        "canSuspend": False}, "relationships": {"groups": {"data": (
            [ref("groups", 1)] if user.user_id == 2 else [])}}}


GROUP_ADMIN = {"type": "groups", "id": "1", "attributes": {
    "nameSingular": "Admin", "namePlural": "Admins", "color": "#B72A2A",
    "icon": "fas fa-wrench", "isHidden": 0}}


def tag_resource(tag: Tag, count: int) -> Resource:
    """TagSerializer."""
    return {"type": "tags", "id": str(tag.tag_id), "attributes": {
        "name": tag.name, "description": tag.description, "slug": tag.slug,
        "color": tag.color, "backgroundUrl": None, "backgroundMode": None, "icon": "fas fa-tag",
        "discussionCount": count, "position": tag.position, "defaultSort": None,
        "isChild": tag.parent_id is not None, "isHidden": False, "lastPostedAt": None,
        "canStartDiscussion": False, "canAddToDiscussion": False},
        "relationships": {"parent": {"data": ref("tags", tag.parent_id)
                                     if tag.parent_id is not None else None}}}


def discussion_resource(data: FlarumData, thread: Thread, basic: bool = False) -> Resource:
    """DiscussionSerializer (BasicDiscussionSerializer with ``basic``)."""
    slug = f"{thread.thread_id}-{slugify(thread.title)}"
    attributes: dict[str, Any] = {"title": thread.title, "slug": slug}
    resource: Resource = {"type": "discussions", "id": str(thread.thread_id),
                          "attributes": attributes}
    if basic:
        return resource
    first, last = thread.posts[0], thread.posts[-1]
    stream = data.streams[thread.thread_id]
    attributes.update({
        "commentCount": len(thread.posts),
        "participantCount": len({(p.author_id, p.author_name) for p in thread.posts}),
        "createdAt": iso(first.published_at), "lastPostedAt": iso(last.published_at),
        "lastPostNumber": stream.index(last) + 1, "canReply": False, "canRename": False,
        "canDelete": False, "canHide": False, "isApproved": True, "canTag": False,
        "isSticky": thread.thread_id in data.sticky, "canSticky": False,
        "isLocked": False, "canLock": False})
    resource["relationships"] = {
        "user": {"data": _user_ref(data, first)},
        "lastPostedUser": {"data": _user_ref(data, last)},
        "tags": {"data": [ref("tags", t.tag_id) for t in data.thread_tags(thread)]},
    }
    return resource


def _user_ref(data: FlarumData, entry: Post | EventPost) -> Resource | None:
    user = data.user_of(entry)
    return ref("users", user.user_id) if user else None


def post_resource(data: FlarumData, entry: Post | EventPost, base: str) -> Resource:
    """PostSerializer (with flarum/mentions, flarum/likes and guest posting)."""
    tid, number = data.where[entry.post_id]
    attributes: dict[str, Any] = {"number": number, "createdAt": iso(entry.published_at)}
    relationships: dict[str, Any] = {"discussion": {"data": ref("discussions", tid)},
                                     "user": {"data": _user_ref(data, entry)}}
    if isinstance(entry, EventPost):
        attributes.update({"contentType": entry.content_type, "content": entry.content,
                           "canEdit": False, "canDelete": False, "canHide": False})
        return {"type": "posts", "id": str(entry.post_id), "attributes": attributes,
                "relationships": relationships}
    html = content_html(entry, base, data.where.get, data.display_name)
    attributes.update({"contentType": "comment", "contentHtml": html, "renderFailed": False})
    if entry.edited_at is not None:
        attributes["editedAt"] = iso(entry.edited_at)
        relationships["editedUser"] = {"data": _user_ref(data, entry)}
    mentioned = data.mentioned_by(entry.post_id)
    attributes.update({"canEdit": False, "canDelete": False, "canHide": False,
                       "mentionedByCount": len(mentioned), "canFlag": False,
                       "isApproved": True, "canLike": False,
                       "likesCount": (entry.post_id * 7) % 5})
    if entry.author_id is None:
        attributes["guest_username"] = entry.author_name
    relationships["mentionedBy"] = {"data": [ref("posts", p.post_id)
                                             for p in mentioned[:MENTIONED_BY_LIMIT]]}
    return {"type": "posts", "id": str(entry.post_id), "attributes": attributes,
            "relationships": relationships}


def post_includes(data: FlarumData, entries: list[Post | EventPost], base: str,
                  discussions: bool) -> list[Resource]:
    """What a page of posts includes: their users (and groups), the posts that mention them
    (flarum/mentions' ``mentionedBy``) and, for post lists, their discussions."""
    included: list[Resource] = []
    for entry in entries:
        user = data.user_of(entry)
        if user is not None:
            included.append(user_resource(user))
        if isinstance(entry, Post):
            for other in data.mentioned_by(entry.post_id)[:MENTIONED_BY_LIMIT]:
                included.append(post_resource(data, other, base))
                other_user = data.user_of(other)
                if other_user is not None:
                    included.append(user_resource(other_user))
        if discussions:
            thread = data.forum.threads[data.where[entry.post_id][0]]
            included.append(discussion_resource(data, thread, basic=True))
    if any(r["type"] == "users" and r["id"] == "2" for r in included):
        included.append(GROUP_ADMIN)
    return included


def document(primary: Resource | list[Resource], included: list[Resource],
             links: dict[str, str] | None = None) -> dict[str, Any]:
    """A JSON:API document: ``included`` de-duplicated and without the primary resources."""
    seen = {(r["type"], r["id"]) for r in (primary if isinstance(primary, list) else [primary])}
    unique = []
    for resource in included:
        key = (resource["type"], resource["id"])
        if key not in seen:
            seen.add(key)
            unique.append(resource)
    out: dict[str, Any] = {}
    if links is not None:
        out["links"] = links
    out["data"] = primary
    if unique:
        out["included"] = unique
    return out


def pagination_links(url: str, params: dict[str, Any], offset: int, limit: int,
                     more: bool) -> dict[str, str]:
    """tobscure's ``addPaginationLinks``: first, prev, next with ``page[offset]``."""

    def link(at: int) -> str:
        page = {k: v for k, v in params.get("page", {}).items() if k not in ("offset", "near")}
        if at > 0:
            page["offset"] = at
        if "limit" in params.get("page", {}):
            page["limit"] = limit
        flat = [(k, v) for k, v in params.items() if k not in ("page", "filter")]
        flat = [(f"filter[{k}]", v) for k, v in params.get("filter", {}).items()] + flat
        flat += [(f"page[{k}]", v) for k, v in page.items()]
        query = urlencode(flat)
        return f"{url}?{query}" if query else url

    links = {"first": link(0)}
    if offset > 0:
        links["prev"] = link(max(0, offset - limit))
    if more:
        links["next"] = link(offset + limit)
    return links
