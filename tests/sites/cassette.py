"""Replays recorded HTTP exchanges (VCR cassettes, as in ../shared/fixtures/real/mastodon) on
127.0.0.1: each recorded GET is answered with its recorded body and headers, the recorded
origin rewritten to this server's. A request for a page the recording does not hold
(``max_id``/``min_id``/``since_id``) gets an empty list, as an API past its end answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from tests.sites.social import Answer, SocialServer, json_answer

PAGING = ("max_id", "min_id", "since_id")


class CassetteServer(SocialServer):
    """Serves the GET interactions of one cassette file."""

    def __init__(self, path: Path) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.interactions: list[dict[str, Any]] = [
            i for i in data["interactions"] if i["request"]["method"] == "GET"]
        super().__init__(data)
        recorded = urlsplit(self.interactions[0]["request"]["uri"])
        self.recorded_origin = f"{recorded.scheme}://{recorded.netloc}"

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query))
        for interaction in self.interactions:
            uri = urlsplit(interaction["request"]["uri"])
            if uri.path.rstrip("/") == parts.path.rstrip("/") and not set(PAGING) & set(query):
                return self.replay(interaction["response"])
        if set(PAGING) & set(query):
            return json_answer([])
        return json_answer({"error": "Record not found"}, 404)

    def replay(self, response: dict[str, Any]) -> Answer:
        text = str(response["body"]["string"]).replace(self.recorded_origin, self.origin)
        kept = {}
        for name, values in response["headers"].items():
            if name.lower() == "link":
                kept["Link"] = str(values[0]).replace(self.recorded_origin, self.origin)
        content_type = response["headers"].get("content-type") or response["headers"].get(
            "Content-Type") or ["application/json"]
        return response["status"]["code"], str(content_type[0]), text, kept
