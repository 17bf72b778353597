"""The normalize pipeline: identity, author policy, what raw data is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.authors import MissingPseudonymKey
from crawler.items import PostItem, content_hash, post_uid
from crawler.pipelines import NormalizePipeline
from crawler.runner.spec import CrawlSpec

SITE = "http://127.0.0.1:8765/"


def spec(authors: str) -> CrawlSpec:
    return CrawlSpec(run_id=7, source="forum-a", region="62", spider="phpbb", platform="phpbb",
                     start_url=SITE, site=SITE, authors=authors)


def item() -> PostItem:
    return PostItem(native_id="42", url=f"{SITE}viewtopic.php?p=42", thread_native_id="3",
                    body_text="  Jalan  Tjilik Riwut\r\nrusak  lagi ", title="Re: Jalan",
                    author_name="budi", author_id="5", author_url=f"{SITE}memberlist.php?u=5",
                    raw='<div class="post"><a class="username">budi</a></div>',
                    published_at=datetime(2024, 3, 18, 3, 5, tzinfo=UTC))


def test_keep_policy_keeps_name_and_raw_markup() -> None:
    post = NormalizePipeline(spec("keep"), None).to_post(item(), datetime.now(UTC))
    assert post.uid == post_uid("phpbb", SITE, "post", "42")
    assert post.body_text == "Jalan Tjilik Riwut\nrusak lagi"
    assert post.content_hash == content_hash("Re: Jalan", "Jalan Tjilik Riwut\nrusak lagi")
    assert post.author_name == "budi"
    assert post.raw is not None and "budi" in post.raw["html"]
    assert post.region_codes == ["62"] and post.crawl_run == 7


@pytest.mark.parametrize("policy", ["pseudonymize", "drop"])
def test_other_policies_store_no_name_anywhere(policy: str) -> None:
    post = NormalizePipeline(spec(policy), b"k3y").to_post(item(), datetime.now(UTC))
    assert "budi" not in repr(post)
    assert post.author_name != "budi"


def test_pseudonymize_without_key_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from unittest.mock import MagicMock

    from crawler.config.settings import get_settings

    monkeypatch.delenv("PANTAU_PSEUDONYM_KEY", raising=False)
    get_settings.cache_clear()
    crawler = MagicMock()
    crawler.settings.getdict.return_value = spec("pseudonymize").model_dump(mode="json")
    with pytest.raises(MissingPseudonymKey, match="PANTAU_PSEUDONYM_KEY is not set"):
        NormalizePipeline.from_crawler(crawler)
    get_settings.cache_clear()
