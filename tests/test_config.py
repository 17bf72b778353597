"""Settings and the sources file: valid input parses, every mistake is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from crawler.config import ConfigError, Settings, load_sources

GOOD = """
regions:
  - code: "62"
    name: Kalimantan Tengah
    sources:
      - name: forum-kalteng
        kind: forum
        engine: phpbb
        url: http://127.0.0.1:8765/
        authors: keep
  - code: "62.71"
    name: Kota Palangka Raya
    timezone: Asia/Jakarta
    sources:
      - name: forum-palangka
        engine: phpbb
        url: https://forum.example.id/
        limits: {max_pages: 50}
        politeness: {download_delay: 2.5}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_fills_in_region_and_timezone(tmp_path: Path) -> None:
    parsed = load_sources(write(tmp_path, GOOD))
    by_name = {s.name: s for s in parsed.sources()}
    assert by_name["forum-kalteng"].region == "62"
    assert by_name["forum-kalteng"].timezone == "Asia/Jakarta"
    assert by_name["forum-palangka"].region == "62.71"
    assert by_name["forum-palangka"].limits.max_pages == 50
    assert by_name["forum-palangka"].authors == "pseudonymize"
    assert parsed.source("forum-kalteng").spider == "phpbb"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("engine: phpbb\n        url: http://127.0.0.1",
          "enginee: phpbb\n        url: http://127.0.0.1"),
         "region 62, source forum-kalteng: field 'enginee': unknown field "
         "(did you mean 'engine'?)"),
        (("kind: forum", "kind: forom"), "source forum-kalteng: field 'kind'"),
        (("{max_pages: 50}", "{max_pagez: 50}"),
         "region 62.71, source forum-palangka: field 'limits.max_pagez': unknown field "
         "(did you mean 'max_pages'?)"),
        (("code: \"62.71\"", "code: \"sixty\""), "region sixty: field 'code'"),
        (("timezone: Asia/Jakarta", "timezone: Asia/Jakartaa"), "unknown time zone"),
        (("url: https://forum.example.id/", "url: not a url"),
         "source forum-palangka: field 'url'"),
        (("name: forum-palangka", "name: forum-kalteng"), "name already used in region 62"),
        (("code: \"62.71\"", "code: 62.71"),
         "field 'code': put region codes in quotes, e.g. code: \"62.71\""),
        (("kind: forum", "kind: wordpress"),  # kinds feed and news have spiders
         "source forum-kalteng: kind 'wordpress' has no spider yet (available: "),
        (("engine: phpbb", "engine: phpbbb"),
         "source forum-kalteng: field 'engine': unknown engine 'phpbbb' (did you mean 'phpbb'?)"),
    ],
    ids=["typo-field", "bad-kind", "nested-typo", "bad-code", "bad-tz", "bad-url", "duplicate",
         "unquoted-code", "no-spider", "engine-typo"],
)
def test_mistakes_are_one_line_naming_file_source_field(
        tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    path = write(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(ConfigError) as err:
        load_sources(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sources.yaml: line \d+: not valid YAML"):
        load_sources(write(tmp_path, "regions:\n  - code: '62\n"))


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_sources(tmp_path / "nope.yaml")


def test_unknown_source_name_suggests_a_close_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean 'forum-kalteng'"):
        load_sources(write(tmp_path, GOOD)).source("forum-kaltneg")


def test_settings_read_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_DOWNLOAD_DELAY", "0.25")
    monkeypatch.setenv("PANTAU_REDIS_URL", "redis://127.0.0.1:6379/3")
    settings = Settings()
    assert settings.download_delay == 0.25
    assert settings.redis_url == "redis://127.0.0.1:6379/3"


def test_visibility_timeout_must_exceed_hard_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTAU_TASK_TIME_LIMIT", "600")
    monkeypatch.setenv("PANTAU_TASK_SOFT_TIME_LIMIT", "500")
    monkeypatch.setenv("PANTAU_VISIBILITY_TIMEOUT", "600")
    with pytest.raises(ValidationError, match="VISIBILITY_TIMEOUT must exceed"):
        Settings()
