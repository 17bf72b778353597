"""Reddit's OAuth for the reddit spider: a downloader middleware that gets an application
token (client-credentials grant) and puts it on every API request.

The credentials are ``PANTAU_REDDIT_CLIENT_ID`` and ``PANTAU_REDDIT_CLIENT_SECRET`` from the
worker's settings: they never travel in the crawl spec (a process argument) nor reach the
spider. The token request goes through the downloader like any other (proxy, politeness,
User-Agent); requests that wait for it share one fetch.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import FormRequest, Response

from crawler.config.social import REDDIT_CREDENTIALS_HINT, reddit_credentials
from crawler.extract.social import parse_target
from crawler.extract.social.api import parse_json
from crawler.middlewares import UNRECORDED, record_error
from crawler.runner.spec import CrawlSpec


class RedditOAuth:
    """Authorizes requests marked ``meta["reddit_api"]``; active only in reddit crawls."""

    def __init__(self, crawler: Crawler, token_url: str, credentials: tuple[str, str]) -> None:
        self.crawler = crawler
        self.token_url = token_url
        self.basic = base64.b64encode(":".join(credentials).encode()).decode()
        self.token: str | None = None
        self.refused: str | None = None  # why the token endpoint refused the credentials
        self.lock: asyncio.Lock | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedditOAuth:
        raw = crawler.settings.getdict("PANTAU_SPEC")
        spec = CrawlSpec.model_validate(raw) if raw else None
        if spec is None or spec.spider != "reddit":
            raise NotConfigured("not a reddit crawl")
        credentials = reddit_credentials()
        if credentials is None:
            raise ValueError(REDDIT_CREDENTIALS_HINT)
        token_url = parse_target("reddit", spec.start_url).token_url
        assert token_url is not None
        return cls(crawler, token_url, credentials)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if not request.meta.get("reddit_api"):
            return
        try:
            token = self.token or await self._fetch_token()
        except IgnoreRequest:
            request.meta[UNRECORDED] = True  # the refusal is recorded once, with its reason
            raise
        request.headers["Authorization"] = f"bearer {token}"

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Request | Response:
        """A 401 means the token expired: fetch a new one and send the request once more."""
        if (response.status == 401 and request.meta.get("reddit_api")
                and not request.meta.get("reddit_reauthorized")):
            if request.headers.get("Authorization") == f"bearer {self.token}".encode():
                self.token = None  # not one renewed since this request was sent
            return request.replace(dont_filter=True,
                                   meta={**request.meta, "reddit_reauthorized": True})
        return response

    async def _fetch_token(self) -> str:
        if self.lock is None:
            self.lock = asyncio.Lock()
        async with self.lock:  # the first waiter fetches; the others find the token
            if self.refused is not None:
                raise IgnoreRequest(self.refused)
            if self.token is None:
                self.token = await self._request_token()
            return self.token

    async def _request_token(self) -> str:
        request = FormRequest(self.token_url, formdata={"grant_type": "client_credentials"},
                              headers={"Authorization": f"Basic {self.basic}"},
                              dont_filter=True, meta={"dont_retry": True, UNRECORDED: True})
        assert self.crawler.engine is not None
        response = await self.crawler.engine.download_async(request)
        token = _access_token(response)
        if token is None:
            message = (f"Reddit refused the API credentials (HTTP {response.status}): check "
                       "PANTAU_REDDIT_CLIENT_ID and PANTAU_REDDIT_CLIENT_SECRET")
            record_error(self.crawler.stats, "http", self.token_url, message)
            self.refused = message
            raise IgnoreRequest(message)
        return token


def _access_token(response: Response) -> str | None:
    if response.status != 200:
        return None
    try:
        data: Any = parse_json(response.text)
    except (ValueError, AttributeError):
        return None
    token = data.get("access_token") if isinstance(data, dict) else None
    return token if isinstance(token, str) and token else None
