"""The categories a Discourse adapter has seen, per site: names, slug paths, board URLs.

Topic JSON and topic lists name a topic's category only by ``category_id``; names and slugs
come from ``/categories.json`` (nested ``subcategory_list`` with ``include_subcategories``),
``/site.json`` and wherever a response embeds category objects (older topic lists, suggested
topics, lazily loaded categories). A crawl reads the category list first, so its topics get
names; a crawl of given topic URLs only gets the ids.
"""

from __future__ import annotations

from typing import Any

from crawler.extract.engines._discourse_urls import as_int
from crawler.extract.sanitize import as_list
from crawler.extract.urls import canonicalize_url
from crawler.items import normalize_text

Category = tuple[str | None, str | None, int | None]  # name, slug, parent id
_MAX_DEPTH = 5  # Discourse nests at most 3 levels; a loop in bad data stops here


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _block(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


class CategoryMemory:
    """Category id -> (name, slug, parent) for every site root an adapter has read."""

    def __init__(self) -> None:
        self._sites: dict[str, dict[int, Category]] = {}

    def learn(self, root: str, data: dict[str, Any]) -> None:
        """Remember every category ``data`` (any Discourse JSON response) shows."""
        known = self._sites.setdefault(root, {})

        def add(category: dict[str, Any], parent: int | None = None) -> None:
            cid = as_int(category.get("id"))
            if cid is None:
                return
            parent = as_int(category.get("parent_category_id")) or parent
            known[cid] = (normalize_text(category.get("name")) or None,
                          category.get("slug") or None, parent)
            for sub in _dicts(category.get("subcategory_list")):
                add(sub, cid)
            for sub_id in as_list(category.get("subcategory_ids")):
                sid = as_int(sub_id)
                if sid is not None and sid not in known:
                    known[sid] = (None, None, cid)  # a board by id until its name is seen

        topic_list = _block(data, "topic_list")
        for category in [*_dicts(_block(data, "category_list").get("categories")),
                         *_dicts(data.get("categories")), *_dicts(topic_list.get("categories"))]:
            add(category)
        for topic in [*_dicts(topic_list.get("topics")), *_dicts(data.get("suggested_topics")),
                      *_dicts(_block(data, "details").get("suggested_topics"))]:
            if isinstance(topic.get("category"), dict):
                add(topic["category"])

    def name(self, root: str, category_id: Any) -> str | None:
        """The category's name, or its id where no name was seen; None without an id."""
        cid = as_int(category_id)
        if cid is None:
            return None
        return self._sites.get(root, {}).get(cid, (None, None, None))[0] or str(cid)

    def boards(self, root: str) -> list[str]:
        """Every known category's topic list: ``/c/<slug path>/<id>.json``, or ``/c/<id>.json``
        (Discourse redirects it to the slug path) where a slug is unknown."""
        boards = []
        for cid in self._sites.get(root, {}):
            path = self._slug_path(root, cid)
            boards.append(canonicalize_url(f"{root}c/{'/'.join(path)}/{cid}.json" if path
                                           else f"{root}c/{cid}.json"))
        return boards

    def _slug_path(self, root: str, cid: int) -> list[str] | None:
        known = self._sites.get(root, {})
        path: list[str] = []
        current: int | None = cid
        while current is not None and len(path) < _MAX_DEPTH:
            _, slug, parent = known.get(current, (None, None, None))
            if slug is None:
                return None
            path.insert(0, slug)
            current = parent
        return path
