"""Realistic ``Post`` rows for storage tests and benchmarks (Indonesian-ish forum posts)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.items import EXTRACTOR_VERSION, Post, content_hash, post_uid

SITE = "http://127.0.0.1:8631/forum"
WORDS = (
    "pilkada", "calon", "gubernur", "warga", "kalteng", "palangka", "raya", "sampit",
    "kotawaringin", "bupati", "kampanye", "debat", "suara", "tps", "kpu", "bawaslu",
    "relawan", "spanduk", "baliho", "jalan", "rusak", "banjir", "harga", "sembako", "janji",
    "program", "bantuan", "sosial", "desa", "kecamatan", "kabupaten", "pemilih", "saksi",
    "hoaks", "berita", "netral", "politik", "uang", "tolong", "cek", "fakta", "mohon", "maaf",
    "kawan", "semua", "lah", "kah", "pun", "juga", "sudah", "belum", "nanti", "besok",
    "kemarin", "pagi", "malam", "dukung", "pilih", "nomor", "urut", "pasangan", "koalisi",
    "partai",
)
CONTAINERS = ("Politik Lokal", "Pilkada Kalteng", "Warung Kopi", "Berita Daerah")
REGIONS = ("62", "62.71", "62.02", "62.01", "62.03")
BASE_TIME = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def body(rng: random.Random, sentences: int = 6) -> str:
    return " ".join(sentence(rng, rng.randint(6, 16)) for _ in range(sentences))


def raw_markup(rng: random.Random, native_id: str, text: str, size: int) -> dict[str, Any]:
    """A post's markup as fetched, padded to roughly ``size`` characters."""
    html = f'<div class="post" id="p{native_id}"><div class="content">{text}</div>'
    while len(html) < size:
        html += f'<span class="sig">{sentence(rng, 10)}</span>'
    return {
        "html": html + "</div>",
        "headers": {"content-type": "text/html; charset=utf-8", "server": "nginx"},
        "fetched_url": f"{SITE}/viewtopic.php?p={native_id}",
        "status": 200,
    }


def make_post(
    index: int = 0,
    *,
    source: str = "forum-kalteng",
    site: str = SITE,
    threads: int = 50,
    raw_size: int = 3000,
    seen_at: datetime | None = None,
    seed: int | None = None,
    **overrides: Any,
) -> Post:
    """Post number ``index`` of a site: deterministic for (seed, index)."""
    rng = random.Random(index if seed is None else seed * 1_000_003 + index)
    native_id = overrides.pop("native_id", str(100000 + index))
    thread = str(index % threads + 1)
    title = overrides.pop("title", None)
    text = overrides.pop("body_text", body(rng))
    author = rng.randint(1, 500)
    post = Post(
        uid=post_uid("phpbb", site, "post", native_id),
        platform="phpbb",
        site=site,
        source=source,
        url=f"{site}/viewtopic.php?t={thread}&p={native_id}#p{native_id}",
        native_id=native_id,
        kind="post",
        thread_native_id=thread,
        thread_title=f"Diskusi {sentence(rng, 4)}",
        container=rng.choice(CONTAINERS),
        parent_native_id=None,
        quoted_native_ids=[str(100000 + max(0, index - 1))] if index % 5 == 0 else [],
        position=index // threads,
        author_key=f"a{author:05d}",
        author_name=f"warga_{author}",
        published_at=BASE_TIME + timedelta(minutes=index),
        published_via="page",
        seen_at=seen_at or BASE_TIME + timedelta(days=1),
        edited_at=None,
        title=title,
        body_text=text,
        language="id",
        links=[f"https://berita.example/{index}"] if index % 7 == 0 else [],
        hashtags=["#pilkada2026"] if index % 3 == 0 else [],
        mentions=[],
        media=[{"type": "image", "url": f"{site}/img/{index}.jpg"}] if index % 11 == 0 else [],
        metrics={"likes": rng.randint(0, 50), "replies": rng.randint(0, 10)},
        region_codes=[rng.choice(REGIONS)],
        watchlist_flags=["hoaks"] if "hoaks" in text else [],
        content_hash=content_hash(title, text),
        extractor_version=EXTRACTOR_VERSION,
        raw=raw_markup(rng, native_id, text, raw_size),
        crawl_run=None,
    )
    return replace(post, **overrides) if overrides else post


def edited(post: Post, body_text: str, **overrides: Any) -> Post:
    """The same post with new body text (and a matching content hash)."""
    return replace(
        post, body_text=body_text, content_hash=content_hash(post.title, body_text), **overrides
    )


def make_posts(n: int, start: int = 0, **kwargs: Any) -> list[Post]:
    return [make_post(i, **kwargs) for i in range(start, start + n)]
