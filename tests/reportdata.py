"""Known posts around an event day, inserted straight into a migrated database.

The Kalimantan Tengah (62) election day 2019-04-17 WIB; the window of a 14d/14d report is
2019-04-03 00:00 WIB (2019-04-02T17:00Z) to 2019-05-01 00:00 WIB (2019-04-30T17:00Z), the
event starts at 2019-04-16T17:00Z. Posts fall before, inside and after it, with boundary
posts a second either side, posts without a date (first seen only), deleted posts, posts
of a region-63 source (WITA) some of which name Kotawaringin Timur (62.02), watchlist flags,
near-duplicate clusters, and texts that trouble CSV and Excel. Each post's content words
are recorded, so tests can count terms without the report's tokenizer.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

EVENT = date(2019, 4, 17)
START = datetime(2019, 4, 2, 17, tzinfo=UTC)
EVENT_START = datetime(2019, 4, 16, 17, tzinfo=UTC)
END = datetime(2019, 4, 30, 17, tzinfo=UTC)

# name: (region, platform, site, zone)
SOURCES = {
    "forum-kalteng": ("62", "phpbb", "http://127.0.0.1:1/kalteng", "Asia/Jakarta"),
    "forum-palangka": ("62.71", "xenforo", "http://127.0.0.1:1/palangka", "Asia/Jakarta"),
    "news-kalteng": ("62", "news", "http://127.0.0.1:1/news", "Asia/Jakarta"),
    "forum-kalsel": ("63", "phpbb", "http://127.0.0.1:1/kalsel", "Asia/Makassar"),
}
VOCAB = ("pemilu", "kotak", "suara", "tps", "kampanye", "hoaks", "relawan", "banjir",
         "jalan", "bupati", "sampit", "palangka")
FILLER = ("yang", "dan", "di", "ini", "itu", "gak", "aja", "sudah", "untuk")
FLAGS = ("sara:bakar", "hoaks:surat suara", "provokasi:usir")
AREAS = ((), ("62.71",), ("62.02",), ("62.02", "62.71"))
# Texts that trouble CSV and Excel, with the terms a reader counts in them.
TRICKY = (
    ('=HYPERLINK("x","klik") pemilu', {"hyperlink", "klik", "pemilu"}),
    ('- daftar:\n- kotak suara\r\n- "tps" 7, 8; 9', {"daftar", "kotak", "suara", "tps"}),
    ('Emoji 🗳️ dan é ü, koma, "petik" dan baris\npenutup pemilu',
     {"emoji", "koma", "petik", "baris", "penutup", "pemilu"}),
    ("+62 812-3456-7890 @budi_kalteng budi@example.id relawan", {"relawan"}),
)


def _with_ancestors(codes: list[str]) -> list[str]:
    out: dict[str, None] = {}
    for code in codes:
        out[code] = None
        if "." in code:
            out[code.split(".")[0]] = None
    return list(out)


def make_posts(count: int = 260, seed: int = 62) -> list[dict[str, Any]]:
    """The posts, as dicts of column values plus ``words`` (content words) and ``at``."""
    rng = random.Random(seed)
    base = datetime(2019, 3, 27, tzinfo=UTC)
    posts: list[dict[str, Any]] = []
    times = [base + timedelta(seconds=rng.uniform(0, 45 * 86400)) for _ in range(count)]
    times += [EVENT_START - timedelta(seconds=1), EVENT_START, START - timedelta(seconds=1),
              START, END - timedelta(seconds=1), END,
              datetime(2019, 4, 16, 16, 30, tzinfo=UTC)]  # 23:30 WIB, 00:30 WITA
    times += [EVENT_START + timedelta(hours=5 + i) for i in range(len(TRICKY))]
    for i, at in enumerate(times):
        tricky = i >= len(times) - len(TRICKY)
        name = "forum-kalteng" if tricky else rng.choice(list(SOURCES))
        if i == count + 6:
            name = "forum-kalsel"
        region, platform, site, _zone = SOURCES[name]
        words = rng.sample(VOCAB, rng.randint(2, 5))
        body = " ".join(rng.sample(words + rng.sample(FILLER, 3), len(words) + 3))
        if tricky:
            body, content = TRICKY[i - (len(times) - len(TRICKY))]
            words = sorted(content)
        areas = list(rng.choice(AREAS)) if region != "63" else (
            ["62.02"] if i % 3 == 0 or i == count + 6 else [])
        flags = sorted(rng.sample(FLAGS, rng.randint(1, 2))) if rng.random() < 0.22 else []
        dated = rng.random() > 0.15 or i >= count
        thread = f"t{rng.randint(1, 12)}"
        posts.append({
            "uid": f"u{i:04d}", "platform": platform, "site": site, "source": name,
            "url": f"{site}/viewtopic.php?t={thread}&p={i}", "native_id": str(i),
            "kind": "post", "thread_native_id": thread, "thread_title": f"Topik {thread}",
            "container": "Politik", "position": i,
            "author_key": None if i % 17 == 0 else f"author{rng.randint(1, 45):02d}xxxxxxxxxxxx",
            "author_name": None, "published_at": at if dated else None,
            "published_via": "page" if dated else "first_seen",
            "first_seen_at": at + timedelta(hours=1) if dated else at,
            "last_seen_at": at + timedelta(days=1),
            "deleted_at": at + timedelta(days=2) if i % 23 == 0 else None,
            "title": None, "body_text": body, "language": "id",
            "region_codes": _with_ancestors([region, *areas]), "watchlist_flags": flags,
            "content_hash": f"h{i}", "extractor_version": 1,
            "metrics": {"likes": i % 7}, "hashtags": ["#pemilu"] if i % 11 == 0 else [],
            "words": set(words), "at": at,
        })
    return posts


def seed_database(url: str, posts: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Insert sources, posts, two near-duplicate clusters and some threads rows."""
    posts = make_posts() if posts is None else posts
    columns = [c for c in posts[0] if c not in ("words", "at")]
    with psycopg.connect(url) as conn:
        for name, (region, platform, site, zone) in SOURCES.items():
            conn.execute(
                "INSERT INTO sources (name, kind, engine, url, site, region, config)"
                " VALUES (%s, 'forum', %s, %s, %s, %s, %s)",
                (name, platform, site, site, region, Jsonb({"timezone": zone})))
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO posts ({', '.join(columns)}) VALUES "
                f"({', '.join('%s' for _ in columns)})",
                [[Jsonb(p[c]) if c == "metrics" else p[c] for c in columns] for p in posts])
        flagged = [p for p in posts if p["watchlist_flags"]]
        for cluster, members in enumerate((flagged[:4], flagged[4:6]), start=1):
            conn.execute("INSERT INTO near_duplicate_clusters (id, size, authors, sample_uid)"
                         " VALUES (%s, %s, %s, %s)",
                         (cluster, len(members), len(members), members[0]["uid"]))
            conn.execute("UPDATE posts SET cluster_id = %s WHERE uid = ANY(%s)",
                         (cluster, [m["uid"] for m in members]))
            for member in members:
                member["cluster_id"] = cluster
        conn.execute(
            "INSERT INTO threads (uid, site, source, native_id, url, title, first_seen_at,"
            " last_seen_at) VALUES ('th1', %s, 'forum-kalteng', 't1', %s, 'Judul resmi t1',"
            " now(), now())",
            (SOURCES["forum-kalteng"][2], SOURCES["forum-kalteng"][2] + "/t1"))
    return posts


def in_window(post: dict[str, Any], region: str = "62") -> bool:
    """Whether the 14d/14d report of ``region`` covers the post (tests' own reading)."""
    codes = post["region_codes"]
    own = SOURCES[post["source"]][0]
    return (START <= post["at"] < END) and (
        region in codes or own == region or own.startswith(region + "."))


def dumps(value: Any) -> str:
    """JSON of a list or mapping as the exports write it."""
    return json.dumps(value, ensure_ascii=False)
