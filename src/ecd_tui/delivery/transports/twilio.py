"""Send texts and calls through Twilio with the official ``twilio`` package's asyncio client.

A failed call is raised as ``TransientError``, ``PermanentError`` or
``UnknownOutcomeError`` (see ``base.py``). The auth token never appears in an exception,
a log line or a repr.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from .base import OutgoingCall, OutgoingText, PermanentError, SendResult, TransientError, UnknownOutcomeError

logger = logging.getLogger(__name__)

# Plain reasons for the Twilio error codes a clerk is likely to meet. The first group
# comes back when a text is created, the 30xxx group in a message's error_code once the
# carrier reports delivery. Source: https://www.twilio.com/docs/api/errors
TWILIO_ERROR_REASONS: dict[str, str] = {
    "20003": "Twilio rejected the account SID or auth token. An administrator must correct"
    " the Twilio credentials.",
    "20404": "Twilio has no such message.",
    "21211": "The phone number is not valid. Check the number and its country code.",
    "21212": "The agency's sending number is not valid. An administrator must check the"
    " agency phone numbers.",
    "21408": "Sending texts to this region is not enabled on the agency's Twilio account.",
    "21602": "The message is empty.",
    "21606": "The agency's sending number cannot send texts from this Twilio account. An"
    " administrator must check the agency phone numbers.",
    "21610": "The recipient replied STOP, so Twilio blocks texts to this number until they"
    " reply START.",
    "21612": "Twilio cannot route a text to this number from the agency's number.",
    "21614": "The number is not a mobile number (it may be a landline), so it cannot"
    " receive texts. Try a voice call.",
    "21617": "The message is longer than Twilio's limit of 1,600 characters. Shorten it.",
    "30003": "The recipient's phone is unreachable: it may be switched off or out of"
    " coverage.",
    "30004": "The recipient's carrier or the recipient blocked the message.",
    "30005": "The number is unknown to its carrier; it may no longer be in service.",
    "30006": "The number cannot receive texts (it may be a landline). Try a voice call.",
    "30007": "The carrier filtered the message as spam.",
    "30008": "The carrier could not deliver the message and gave no reason.",
    "30034": "Carriers blocked the text because the agency's number is not registered for"
    " A2P 10DLC messaging. An administrator must finish the registration with Twilio.",
    "21205": "The call had nothing to say: its TwiML is missing.",
    "21214": "Twilio cannot reach this number by phone.",
    "21215": "Calling this region is not enabled on the agency's Twilio account.",
    "21216": "Calls to this number are blocked on the agency's Twilio account.",
    "21217": "The phone number is not valid for a call. Check the number and its country code.",
    "21620": "Twilio could not use an attachment's media URL. An administrator must check"
    " the media URL base in the agency settings.",
    "30019": "An attachment is larger than the carrier accepts for a picture message.",
}

# How Twilio's call statuses map onto the message lifecycle, with a reason for the ones that
# end without the message being heard. "completed" means the call was answered.
CALL_STATUS_OUTCOMES: dict[str, tuple[str, str | None]] = {
    "completed": ("delivered", None),
    "busy": ("undelivered", "The line was busy; the call was not answered."),
    "no-answer": ("undelivered", "No one answered the call."),
    "failed": ("failed", "The call could not be placed."),
    "canceled": ("failed", "The call was cancelled before it was answered."),
}

_TIMED_OUT_REASON = (
    "The carrier did not answer in time; the message may have been sent."
    " Verify before resending."
)
_DROPPED_REASON = (
    "The connection to the carrier dropped before it responded; the message may have been"
    " sent. Verify before resending."
)
_UNREADABLE_REASON = (
    "The carrier's response could not be read; the message may have been sent."
    " Verify before resending."
)


def twilio_error_reason(code: str | int | None, carrier_message: str = "") -> str:
    """Return a plain reason for a Twilio error code, falling back to the carrier's message."""
    reason = TWILIO_ERROR_REASONS.get(str(code)) if code is not None else None
    if reason is not None:
        return reason
    detail = carrier_message.strip() or "no details were given"
    suffix = f" (error {code})" if code is not None else ""
    return f"Twilio rejected the request{suffix}: {detail}"


class BaseUrlTwilioHttpClient(AsyncTwilioHttpClient):
    """Twilio's asyncio HTTP client, optionally sending to another base URL, with a timeout.

    ``twilio``'s own edge and region settings only choose among twilio.com hosts, so the
    sandbox is reached by replacing the scheme and host of each request URL here. The
    ``timeout`` covers a whole request: connecting, sending and reading the response. The
    parent class never applies its own ``timeout`` (twilio 9.13), so ``request`` does.

    Build it inside a running event loop, because it opens an ``aiohttp`` session.
    """

    def __init__(self, base_url: str | None = None, *, timeout: float = 30.0) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url.rstrip("/")) if base_url is not None else None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if auth is not None:
            # aiohttp 3.14 deprecates its ``auth`` argument, so send the header directly.
            headers = {**(headers or {}), "Authorization": basic_authorization(*auth)}
        return await super().request(
            method,
            self.rewrite_url(url),
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout if timeout is not None else self.timeout,
            allow_redirects=allow_redirects,
        )

    def rewrite_url(self, url: str) -> str:
        """Return ``url`` with the base URL's scheme and host, and its path in front."""
        if self._base is None:
            return url
        parts = urlsplit(url)
        return urlunsplit(
            (self._base.scheme, self._base.netloc, self._base.path + parts.path,
             parts.query, parts.fragment)
        )


def basic_authorization(username: str, password: str) -> str:
    """Return an HTTP Basic ``Authorization`` header value (RFC 7617, UTF-8)."""
    credentials = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(credentials).decode("ascii")


class TwilioTransport:
    """A sender of texts and calls through one Twilio account, which can also look them up.

    The HTTP session is opened by ``start`` or by the first call, inside the running loop,
    and closed by ``aclose``.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        api_key: str | None = None,
    ) -> None:
        """Configure the transport; nothing connects until the first call.

        Args:
            account_sid: the Twilio account SID (AC followed by 32 hex digits).
            auth_token: the account's auth token, or the API key's secret with ``api_key``.
            base_url: send requests here instead of https://api.twilio.com, such as the
                sandbox's ``http://127.0.0.1:PORT``.
            timeout: seconds one request may take in total, connecting included.
            api_key: an API key SID (SK...) to log in with instead of the account SID.
        """
        if not account_sid:
            raise ValueError("The Twilio account SID is empty: set it in the Twilio settings.")
        if not auth_token:
            raise ValueError("The Twilio auth token is empty: set it in the Twilio settings.")
        if not timeout > 0:
            raise ValueError(f"The Twilio timeout is {timeout!r} seconds: use a positive number.")
        if base_url is not None:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(
                    f"The Twilio base URL {base_url!r} is invalid: use a URL such as"
                    " http://127.0.0.1:8080."
                )

        self.account_sid = account_sid
        self._auth_token = auth_token
        self.api_key = api_key
        self.base_url = base_url
        self.timeout = timeout
        self._http_client: BaseUrlTwilioHttpClient | None = None
        self._client: Client | None = None

    def __repr__(self) -> str:
        target = self.base_url or "https://api.twilio.com"
        return f"TwilioTransport(account_sid={self.account_sid!r}, base_url={target!r})"

    async def start(self) -> None:
        """Open the HTTP session; calls open it themselves when needed."""
        self._ensure_client()

    async def aclose(self) -> None:
        """Close the HTTP session; a later call opens a new one."""
        http_client = self._http_client
        self._http_client = None
        self._client = None
        if http_client is not None:
            await http_client.close()

    async def send_text(self, text: OutgoingText) -> SendResult:
        """Hand one text to Twilio and return its message SID and first status.

        Raises:
            TransientError: Twilio responded with HTTP 429 or 5xx, or could not be reached.
            PermanentError: Twilio refused the text (invalid number, opted out, ...).
            UnknownOutcomeError: the request went out but no response came back.
        """
        client = self._ensure_client()
        extra: dict[str, Any] = {"media_url": list(text.media_urls)} if text.media_urls else {}
        try:
            message = await client.messages.create_async(
                to=text.to, from_=text.from_, body=text.body, **extra
            )
        except TwilioException as exc:
            raise _classify_twilio_exception(exc, request_sent=True) from exc
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise _not_reached(self._target(), exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # NOTE: this includes a pooled keep-alive connection that the server closed
            # while idle. aiohttp does not retry a POST, so that rare case is reported as
            # unknown although nothing reached Twilio.
            raise _unknown_outcome(exc) from exc
        except json.JSONDecodeError as exc:
            raise UnknownOutcomeError(_UNREADABLE_REASON) from exc

        logger.debug("Twilio accepted message %s as %s", text.message_id, message.sid)
        return SendResult(carrier_id=message.sid, carrier_status=message.status or "queued")

    async def send_call(self, call: OutgoingCall) -> SendResult:
        """Place one call whose inline TwiML speaks the message; return its SID and status.

        Raises:
            TransientError, PermanentError, UnknownOutcomeError: as ``send_text`` does.
        """
        client = self._ensure_client()
        try:
            created = await client.calls.create_async(to=call.to, from_=call.from_, twiml=call.twiml)
        except TwilioException as exc:
            raise _classify_twilio_exception(exc, request_sent=True) from exc
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise _not_reached(self._target(), exc) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _unknown_outcome(exc) from exc
        except json.JSONDecodeError as exc:
            raise UnknownOutcomeError(_UNREADABLE_REASON) from exc

        logger.debug("Twilio accepted call for message %s as %s", call.message_id, created.sid)
        return SendResult(carrier_id=created.sid, carrier_status=created.status or "queued")

    async def fetch_call(self, sid: str) -> dict[str, Any]:
        """Look a call up by SID and return ``sid``, ``status``, ``to``, ``from`` and ``duration``.

        Raises:
            TransientError, PermanentError: as ``fetch_message`` does.
        """
        client = self._ensure_client()
        try:
            call = await client.calls(sid).fetch_async()
        except TwilioException as exc:
            raise _classify_twilio_exception(exc, request_sent=False) from exc
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise TransientError(
                f"Could not look up call {sid} at {self._target()}: {_describe(exc)}."
                " The lookup can be repeated."
            ) from exc
        return {
            "sid": call.sid,
            "status": call.status,
            "to": call.to,
            "from": call._from,  # CallInstance names it _from (twilio 9.13), MessageInstance from_
            "duration": int(call.duration) if call.duration else None,
        }

    async def list_inbound(self, to: str, since: datetime, *, limit: int = 500) -> list[dict[str, Any]]:
        """Return texts received on the agency number ``to`` since ``since``, oldest first.

        Each dict has ``sid``, ``from``, ``to``, ``body``, ``num_media`` and ``date_sent``.
        Twilio's list also contains texts the agency sent to ``to``, which are left out.

        Raises:
            TransientError, PermanentError: as ``fetch_message`` does.
        """
        client = self._ensure_client()
        try:
            messages = await client.messages.list_async(to=to, date_sent_after=since, limit=limit, page_size=min(limit, 100))
        except TwilioException as exc:
            raise _classify_twilio_exception(exc, request_sent=False) from exc
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise TransientError(
                f"Could not list the replies to {to} at {self._target()}: {_describe(exc)}."
                " The poll is repeated."
            ) from exc
        received = [
            {
                "sid": message.sid,
                "from": message.from_,
                "to": message.to,
                "body": message.body or "",
                "num_media": int(message.num_media or 0),
                "date_sent": message.date_sent or message.date_created,
            }
            for message in messages
            if message.direction == "inbound"
        ]
        received.sort(key=lambda item: (item["date_sent"] is None, item["date_sent"]))
        return received

    async def find_texts(self, to: str, body: str, since: datetime) -> list[dict[str, Any]]:
        """Look for texts with this body sent to ``to`` since ``since``; return their sid and status.

        This settles a text whose send ended with an unknown outcome: if Twilio has it, it
        was sent. Only the 50 newest texts to ``to`` are searched.

        Raises:
            TransientError, PermanentError: as ``fetch_message`` does.
        """
        client = self._ensure_client()
        try:
            messages = await client.messages.list_async(to=to, limit=50, page_size=50)
        except TwilioException as exc:
            raise _classify_twilio_exception(exc, request_sent=False) from exc
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise TransientError(
                f"Could not list the texts to {to} at {self._target()}: {_describe(exc)}."
                " The lookup can be repeated."
            ) from exc
        return [
            {"sid": message.sid, "status": message.status}
            for message in messages
            if message.direction != "inbound"
            and message.body == body
            and message.date_created is not None
            and message.date_created >= since
        ]

    async def fetch_message(self, sid: str) -> dict[str, Any]:
        """Look a message up by SID and return its current state.

        Returns:
            A dict with ``sid``, ``status``, ``error_code`` (str or None), ``reason``
            (a plain sentence for the error code, or None), ``to``, ``from``,
            ``num_segments`` (int or None), ``date_sent`` and ``date_updated`` (aware
            datetimes or None).

        Raises:
            TransientError: Twilio responded with HTTP 429 or 5xx, could not be reached, or
                did not respond in time. A lookup changes nothing, so it is safe to repeat.
            PermanentError: Twilio refused the lookup (no such message: code 20404,
                bad credentials: code 20003).
        """
        client = self._ensure_client()
        try:
            message = await client.messages(sid).fetch_async()
        except TwilioException as exc:
            raise _classify_twilio_exception(exc, request_sent=False) from exc
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise TransientError(
                f"Could not look up message {sid} at {self._target()}: {_describe(exc)}."
                " The lookup can be repeated."
            ) from exc

        error_code = str(message.error_code) if message.error_code is not None else None
        return {
            "sid": message.sid,
            "status": message.status,
            "error_code": error_code,
            "reason": (
                twilio_error_reason(error_code, message.error_message or "")
                if error_code is not None
                else None
            ),
            "to": message.to,
            "from": message.from_,
            "num_segments": int(message.num_segments) if message.num_segments else None,
            "date_sent": message.date_sent,
            "date_updated": message.date_updated,
        }

    async def fetch_account(self) -> dict[str, str]:
        """Fetch the account the credentials belong to: a cheap request that needs a login.

        Returns:
            A dict with ``sid``, ``friendly_name`` and ``status`` ("active", "suspended"
            or "closed").

        Raises:
            TransientError: Twilio could not be reached, did not respond in time, or
                responded with HTTP 429 or 5xx.
            PermanentError: Twilio refused the credentials (code 20003) or the account.
        """
        client = self._ensure_client()
        try:
            account = await client.api.v2010.accounts(self.account_sid).fetch_async()
        except TwilioException as exc:
            raise _classify_twilio_exception(exc, request_sent=False) from exc
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise TransientError(f"Could not reach Twilio at {self._target()}: {_describe(exc)}.") from exc
        return {"sid": account.sid, "friendly_name": account.friendly_name or "", "status": account.status or ""}

    async def list_numbers(self, phone_number: str) -> list[dict[str, object]]:
        """Return the account's incoming numbers equal to ``phone_number`` (E.164).

        Each dict has ``phone_number`` and ``capabilities`` (sms, mms, voice as bools).

        Raises:
            TransientError, PermanentError: as ``fetch_account``.
        """
        client = self._ensure_client()
        try:
            numbers = await client.incoming_phone_numbers.list_async(phone_number=phone_number, limit=20)
        except TwilioException as exc:
            raise _classify_twilio_exception(exc, request_sent=False) from exc
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as exc:
            raise TransientError(f"Could not reach Twilio at {self._target()}: {_describe(exc)}.") from exc
        return [
            {
                "phone_number": number.phone_number,
                "capabilities": {key: bool(value) for key, value in (number.capabilities or {}).items()},
            }
            for number in numbers
        ]

    def _ensure_client(self) -> Client:
        if self._client is None:
            self._http_client = BaseUrlTwilioHttpClient(self.base_url, timeout=self.timeout)
            if self.api_key:
                self._client = Client(
                    self.api_key, self._auth_token, self.account_sid, http_client=self._http_client
                )
            else:
                self._client = Client(
                    self.account_sid, self._auth_token, http_client=self._http_client
                )
        return self._client

    def _target(self) -> str:
        return self.base_url or "api.twilio.com"


def _classify_twilio_exception(exc: TwilioException, *, request_sent: bool) -> Exception:
    """Map an error response from Twilio to the transport error kind the dispatcher expects."""
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    code_text = str(code) if code is not None else None
    carrier_message = _carrier_message(exc)

    if not isinstance(status, int):
        # NOTE: twilio 9.13 raises a bare TwilioException only while paging a list, so a
        # send never gets here. If one does, the response was unreadable.
        if request_sent:
            return UnknownOutcomeError(_UNREADABLE_REASON, code_text)
        return TransientError(f"Twilio's response could not be read: {carrier_message}", code_text)

    if status == 429:
        return TransientError(
            f"Twilio is limiting the request rate (HTTP 429): {carrier_message}", code_text
        )
    if status >= 500:
        return TransientError(
            f"Twilio had a server error (HTTP {status}): {carrier_message}", code_text
        )
    return PermanentError(twilio_error_reason(code, carrier_message), code_text)


def _carrier_message(exc: TwilioException) -> str:
    """Return the message Twilio sent, without the client's "Unable to ... record:" prefix."""
    message = getattr(exc, "detail", None) or getattr(exc, "msg", None) or ""
    if not message:
        message = getattr(exc, "title", "") or ""
    prefix, separator, rest = str(message).partition(": ")
    if separator and prefix.startswith("Unable to "):
        return rest
    return str(message)


def _not_reached(target: str, exc: Exception) -> TransientError:
    return TransientError(
        f"Could not connect to Twilio at {target}: {_describe(exc)}. Nothing was sent;"
        " check the network connection."
    )


def _unknown_outcome(exc: Exception) -> UnknownOutcomeError:
    if isinstance(exc, TimeoutError):
        return UnknownOutcomeError(_TIMED_OUT_REASON)
    logger.debug("Twilio request ended without a response: %s", _describe(exc))
    return UnknownOutcomeError(_DROPPED_REASON)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
