"""PlatformHttp: the one outbound HTTP client every connector uses (httpx, synchronous).

What it guarantees:
- timeouts on every request (connect 5 s, read 30 s; uploads: read 120 s, write 10 min);
- retries with exponential backoff and full jitter only where repeating is safe:
  idempotent requests (GET/HEAD/PUT/DELETE/OPTIONS, or `idempotent=True`) on
  network errors, 5xx and 429; any request when it provably never left (connect
  error, connect timeout, pool timeout);
- Retry-After (seconds or HTTP date) honoured up to `max_retry_after`; past that
  the PlatformError carries `retry_after` and the caller reschedules;
- `outcome_unknown=True` when a non-idempotent request may have reached the
  platform (read/write timeout, dropped connection, 5xx);
- Meta usage headers parsed into `Usage` on every response (`response.usage`,
  and `http.usage` for the latest seen), so callers can slow down before 100 %;
- one INFO log line per attempt: platform, method, URL with secrets replaced by
  `***`, status, duration and the platform's request id. Headers and bodies are
  never logged.

Every response is passed to the platform family's error classifier (see
classifiers.py); an error raises PlatformError unless `check=False`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.errors import ErrorClassifier, PlatformError, Reason
from manyhats.platforms.usage import Usage

logger = logging.getLogger("manyhats.platforms.http")

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
UPLOAD_TIMEOUT = httpx.Timeout(connect=5.0, read=120.0, write=600.0, pool=5.0)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Raised before any byte of the request went out: always safe to repeat.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
SECRET_PARAMS = frozenset(
    {
        "access_token",
        "client_secret",
        "code",
        "refresh_token",
        "fb_exchange_token",
        "input_token",
        "appsecret_proof",
        "code_verifier",
        "token",
        "upload_token",
        "signature",
        "sig",
        "x-amz-signature",
        "password",
    }
)
REQUEST_ID_HEADERS = ("x-fb-trace-id", "x-fb-request-id", "x-li-uuid", "x-tt-logid", "x-restli-id")

Sleep = Callable[[float], None]
USER_AGENT = "manyhats (+https://github.com/manyhats)"
_threads = threading.local()


def thread_client() -> httpx.Client:
    """This thread's httpx client, made once and kept: making one costs ~20 ms of CPU (its
    TLS context), which a worker publishing hundreds of posts a second cannot pay per post,
    and its pool keeps connections to the platforms alive between calls."""
    client: httpx.Client | None = getattr(_threads, "client", None)
    if client is None or client.is_closed:
        # Never keeps cookies: the client is shared by every account this thread serves.
        jar = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        client = httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=False, cookies=jar)
        _threads.client = client
    return client


def redact_url(url: str | httpx.URL, *, presigned: bool = False) -> str:
    """`url` with the values of secret query parameters replaced by `***`.

    `presigned=True` (upload URLs the platform signed, e.g. LinkedIn's dms-uploads
    with `m`/`ut`, TikTok's upload_token) hides every query value: the whole query
    is the credential there, and its parameter names are the platform's to change.
    """
    parts = urlsplit(str(url))
    if not parts.query:
        return str(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    redacted = [(k, "***" if presigned or k.lower() in SECRET_PARAMS else v) for k, v in pairs]
    return urlunsplit(parts._replace(query=urlencode(redacted, safe="*,:()")))


def _parse_json(response: httpx.Response) -> Any:
    content = response.content
    if not content:
        return None
    ctype = response.headers.get("content-type", "")
    if "json" not in ctype and content.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _request_id(headers: httpx.Headers, body: Any) -> str | None:
    for name in REQUEST_ID_HEADERS[:-1]:
        if value := headers.get(name):
            return value
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            for key in ("fbtrace_id", "log_id"):
                if err.get(key):
                    return str(err[key])
        for key in ("requestId", "request_id", "log_id"):
            if body.get(key):
                return str(body[key])
    return headers.get(REQUEST_ID_HEADERS[-1])


def _status_error(body: Any, http_status: int, headers: Mapping[str, str], *,
                  platform: str) -> PlatformError | None:  # fmt: skip
    """Fallback classifier: HTTP status only."""
    from manyhats.platforms.classifiers import status_rule

    if http_status < 400:
        return None
    rule = status_rule(http_status)
    return rule.error(platform, f"HTTP {http_status}", code=http_status, http_status=http_status)


class PlatformResponse:
    """An httpx.Response plus what PlatformHttp learned from it.

    `data` is the parsed JSON body (None when empty or not JSON); `error` is set
    only for requests made with `check=False` that failed.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        data: Any,
        usage: Usage | None,
        request_id: str | None,
        attempts: int,
        error: PlatformError | None = None,
    ) -> None:
        self.response = response
        self.data = data
        self.usage = usage
        self.request_id = request_id
        self.attempts = attempts
        self.error = error

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def content(self) -> bytes:
        return self.response.content

    @property
    def text(self) -> str:
        return self.response.text

    @property
    def ok(self) -> bool:
        return self.error is None and self.response.status_code < 400

    def json(self) -> Any:
        """The parsed JSON body; PlatformError when the body is not JSON."""
        if self.data is None and self.response.content:
            raise PlatformError(
                str(self.response.request.extensions.get("manyhats_platform", "platform")),
                f"expected JSON, got {self.response.headers.get('content-type', 'no type')}",
                code="bad_response",
                http_status=self.response.status_code,
                request_id=self.request_id,
                reason=Reason.TEMPORARY,
                retryable=True,
            )
        return self.data

    def __repr__(self) -> str:
        return f"<PlatformResponse {self.response.status_code} {redact_url(self.response.request.url)}>"


class PlatformHttp:
    """The outbound HTTP client for one platform (thread-safe; reuse it or make one per job).

    `error_classifier` turns responses into PlatformError (see classifiers.py; the
    default looks at the HTTP status only). `transport` lets tests swap the
    network for `httpx.MockTransport`; `sleep`, `rand` and `clock` let them skip
    real waiting.
    """

    def __init__(
        self,
        platform: str,
        *,
        error_classifier: ErrorClassifier | None = None,
        transport: httpx.BaseTransport | None = None,
        client: httpx.Client | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        upload_timeout: httpx.Timeout = UPLOAD_TIMEOUT,
        max_attempts: int = 3,
        backoff_base: float = 0.5,
        backoff_cap: float = 10.0,
        max_retry_after: float = 30.0,
        headers: Mapping[str, str] | None = None,
        sleep: Sleep = time.sleep,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.platform = platform
        self.classify: ErrorClassifier = error_classifier or _status_error
        self.timeout = timeout
        self.upload_timeout = upload_timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self.sleep = sleep
        self.rand = rand
        self.clock = clock
        self.usage: Usage | None = None
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._owns_client = client is None and transport is not None
        if client is not None:
            self.client = client
        elif transport is not None:
            self.client = httpx.Client(
                transport=transport, timeout=timeout, headers=self.headers, follow_redirects=False
            )
        else:
            self.client = thread_client()

    @classmethod
    def for_platform(cls, platform: str, **kwargs: Any) -> PlatformHttp:
        """A client with the error classifier of `platform`'s family."""
        from manyhats.platforms.classifiers import classifier_for

        kwargs.setdefault("error_classifier", classifier_for(platform))
        return cls(platform, **kwargs)

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> PlatformHttp:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2 ** (attempt - 1))]."""
        return self.rand() * min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))

    def get(self, url: str, **kwargs: Any) -> PlatformResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> PlatformResponse:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> PlatformResponse:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> PlatformResponse:
        return self.request("DELETE", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        upload: bool = False,
        timeout: httpx.Timeout | float | None = None,
        follow_redirects: bool = False,
        check: bool = True,
    ) -> PlatformResponse:
        """Send one logical request, retrying where safe; raise PlatformError on failure.

        `idempotent=True` marks a POST that only reads (TikTok status/fetch, video
        query) so it may be retried like a GET; `idempotent=False` forbids retries
        after sending even for PUT. `upload=True` uses the longer upload timeouts.
        Bodies must be bytes/str/mappings (not streams) so a retry can resend them.
        With `check=False` an error response is returned with `.error` set
        instead of raised (network errors always raise).
        """
        method = method.upper()
        safe = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        request = self.client.build_request(
            method, url, params=params, data=data, json=json, content=content, files=files,
            headers={**self.headers, **(headers or {})},
            timeout=timeout or (self.upload_timeout if upload else self.timeout),
            extensions={"manyhats_platform": self.platform},
        )  # fmt: skip
        shown_url = redact_url(request.url, presigned=upload)
        attempt = 0
        while True:
            attempt += 1
            started = self.clock()
            try:
                response = self.client.send(request, follow_redirects=follow_redirects)
            except httpx.TransportError as exc:
                self._log(method, shown_url, type(exc).__name__, started, None, attempt)
                sent = not isinstance(exc, NOT_SENT_ERRORS)
                if attempt < self.max_attempts and (safe or not sent):
                    self.sleep(self.backoff(attempt))
                    continue
                raise self._network_error(
                    exc, method, shown_url, unknown=sent and not safe
                ) from exc
            body = _parse_json(response)
            usage = Usage.from_headers(response.headers)
            if usage is not None:
                self.usage = usage
            request_id = _request_id(response.headers, body)
            self._log(method, shown_url, str(response.status_code), started, request_id, attempt)
            error = self.classify(
                body, response.status_code, response.headers, platform=self.platform
            )
            if error is None:
                return PlatformResponse(response, data=body, usage=usage, request_id=request_id,
                                        attempts=attempt)  # fmt: skip
            if error.request_id is None:
                error.request_id = request_id
            wait = self._retry_wait(error, response.status_code, safe, attempt)
            if wait is not None:
                self.sleep(wait)
                continue
            if not safe and response.status_code >= 500:
                error = error.with_(outcome_unknown=True)
            if check:
                raise error
            return PlatformResponse(response, data=body, usage=usage, request_id=request_id,
                                    attempts=attempt, error=error)  # fmt: skip

    def _retry_wait(
        self, error: PlatformError, status: int, safe: bool, attempt: int
    ) -> float | None:
        """Seconds to wait before repeating, or None to give up now."""
        if not (safe and error.retryable and attempt < self.max_attempts):
            return None
        if error.reason == Reason.RATE_LIMIT:
            # Repeating into a rate limit only helps when the platform told us when.
            if error.retry_after is None and status != 429:
                return None
        elif error.reason != Reason.TEMPORARY:
            return None
        wait = error.retry_after if error.retry_after is not None else self.backoff(attempt)
        return wait if wait <= self.max_retry_after else None

    def _network_error(self, exc: Exception, method: str, shown_url: str, *,
                       unknown: bool) -> PlatformError:  # fmt: skip
        kind = type(exc).__name__
        user_message = (
            _("%(platform)s did not answer in time after the request was sent (%(code)s), so it may or may not have taken effect. manyhats checks before trying again.")
            if unknown
            else _("manyhats could not get an answer from %(platform)s (%(code)s). It will be retried shortly.")
        )  # fmt: skip
        err = PlatformError(
            self.platform, f"{kind} on {method} {shown_url}", code=kind, reason=Reason.NETWORK,
            retryable=True, outcome_unknown=unknown,
        )  # fmt: skip
        err._user_template = user_message
        return err

    def _log(self, method: str, shown_url: str, status: str, started: float,
             request_id: str | None, attempt: int) -> None:  # fmt: skip
        logger.info(
            "%s %s %s -> %s in %dms id=%s attempt=%d",
            self.platform, method, shown_url, status, (self.clock() - started) * 1000,
            request_id or "-", attempt,
        )  # fmt: skip
