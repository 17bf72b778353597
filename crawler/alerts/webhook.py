"""Deliver one alert to one webhook: generic JSON, Slack or Telegram; timeouts and retries.

A request that times out, cannot connect, or gets a 5xx or 429 answer is retried
(``PANTAU_ALERT_RETRIES`` times, waiting ``PANTAU_ALERT_RETRY_BACKOFF`` seconds and doubling;
a 429's ``Retry-After`` or Telegram's ``retry_after`` is honoured up to a minute). Other 4xx
answers and redirects are final. Errors name the target by its label (format, scheme, host)
only: webhook paths and bot tokens are secrets. Outbound requests use pantau's proxy and CA
settings (``PANTAU_HTTPS_PROXY``, ``PANTAU_NO_PROXY``, ``PANTAU_CA_BUNDLE``).
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from crawler.alerts import Alert
from crawler.alerts.config import Target
from crawler.config.settings import Settings
from crawler.network import bypasses_proxy

MAX_RETRY_AFTER = 60.0  # seconds; a longer wait is left to the next check
TELEGRAM_MAX_TEXT = 4096  # the Bot API's limit for sendMessage text


@dataclass(frozen=True)
class Delivery:
    """How sending went: ``attempts`` requests were made; ``error`` is one line, or None."""

    ok: bool
    attempts: int
    error: str | None = None


def payload(alert: Alert, target: Target, fired_at: datetime | None = None) -> dict[str, Any]:
    """The JSON body for the target's format."""
    if target.format == "slack":
        return {"text": alert.message}
    if target.format == "telegram":
        return {"chat_id": target.chat_id, "text": alert.message[:TELEGRAM_MAX_TEXT],
                "disable_web_page_preview": True}
    return {"source": "pantau", "rule": alert.rule, "subject": alert.subject,
            "region": alert.region, "message": alert.message, "details": alert.details,
            "fired_at": (fired_at or datetime.now(UTC)).isoformat()}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect becomes an HTTPError: a webhook must answer itself


class _Retry(Exception):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class WebhookSender:
    """Sends alerts with the timeouts, retries, proxy and CA bundle of the settings."""

    def __init__(self, settings: Settings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.sleep = sleep

    def send(self, alert: Alert, target: Target, fired_at: datetime | None = None) -> Delivery:
        """POST the alert; retry transient failures; never raise for a failed delivery."""
        body = json.dumps(payload(alert, target, fired_at), ensure_ascii=False).encode()
        retries, wait = self.settings.alert_retries, self.settings.alert_retry_backoff
        attempt = 0
        while True:
            attempt += 1
            try:
                self._post(target, body)
                return Delivery(ok=True, attempts=attempt)
            except _Retry as err:
                if attempt > retries:
                    return Delivery(ok=False, attempts=attempt, error=str(err))
                self.sleep(err.wait if err.wait is not None else wait)
                wait *= 2
            except ValueError as err:  # a final answer: 4xx, redirect, refused by Telegram
                return Delivery(ok=False, attempts=attempt, error=str(err))

    def _post(self, target: Target, body: bytes) -> None:
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "User-Agent": self.settings.user_agent}
        # S310: target URLs are validated http(s) (settings, region blocks, _resolve)
        request = urllib.request.Request(  # noqa: S310
            target.url, data=body, method="POST", headers=headers)
        timeout = self.settings.alert_timeout
        try:
            with self._opener(target.url).open(request, timeout=timeout) as response:
                answer = response.read(65536)
        except urllib.error.HTTPError as err:
            detail = err.read(300).decode("utf-8", "replace").strip().replace("\n", " ")
            message = f"HTTP {err.code} from {target.label}" + (f": {detail}" if detail else "")
            if err.code == 429 or err.code >= 500:
                raise _Retry(message, _retry_after(err, detail)) from None
            raise ValueError(message) from None
        except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as err:
            reason = getattr(err, "reason", err)
            if isinstance(reason, TimeoutError) or isinstance(err, TimeoutError):
                raise _Retry(f"no answer from {target.label} within {timeout:g} s") from None
            raise _Retry(f"cannot reach {target.label}: {reason}") from None
        if target.format == "telegram":
            _check_telegram(answer, target)

    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        s = self.settings
        parts = urlsplit(url)
        proxies: dict[str, str] = {}
        proxy = (s.https_proxy or s.http_proxy) if parts.scheme == "https" else s.http_proxy
        if proxy is not None and not bypasses_proxy(parts.hostname or "", s.no_proxy):
            proxies[parts.scheme] = proxy.get_secret_value()
        context = ssl.create_default_context(cafile=str(s.ca_bundle) if s.ca_bundle else None)
        return urllib.request.build_opener(  # an empty ProxyHandler ignores http_proxy & co
            urllib.request.ProxyHandler(proxies), urllib.request.HTTPSHandler(context=context),
            _NoRedirect())


def _retry_after(err: urllib.error.HTTPError, detail: str) -> float | None:
    """Seconds a 429 asks us to wait (Retry-After, or Telegram's parameters.retry_after)."""
    if err.code != 429:
        return None
    value: Any = err.headers.get("Retry-After") if err.headers else None
    if value is None:
        try:
            value = json.loads(detail).get("parameters", {}).get("retry_after")
        except (ValueError, AttributeError):
            value = None
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return None


def _check_telegram(answer: bytes, target: Target) -> None:
    """The Bot API answers 200 with ``{"ok": true}``; anything else is a refusal."""
    try:
        data = json.loads(answer)
    except ValueError:
        raise ValueError(f"{target.label} answered without JSON") from None
    if not isinstance(data, dict) or data.get("ok") is not True:
        description = data.get("description") if isinstance(data, dict) else None
        raise ValueError(f"{target.label} refused the message: {description or data}")
