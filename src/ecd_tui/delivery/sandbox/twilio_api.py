"""A Twilio-compatible Messages API served by aiohttp, backed by the sandbox's text store.

It implements the part of Twilio's 2010-04-01 REST API that the app calls: create, fetch
and list messages, and create, fetch and list calls. Requests use HTTP Basic auth with the sandbox's account SID and auth
token. Errors come back as Twilio's JSON error body (``code``, ``message``, ``more_info``,
``status``), so the official ``twilio`` client raises ``TwilioRestException`` for them
exactly as it does against Twilio.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from email.utils import format_datetime
from datetime import datetime, timezone
from urllib.parse import urlencode

from aiohttp import web

from ecd_tui.domain.segments import count_segments

from .faults import TwilioFault, parse_twilio_fault
from .text_store import StoredCall, StoredText, TextStore

logger = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
MAX_BODY_CHARACTERS = 1600
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_TWIML_CHARACTERS = 4000  # Twilio's documented limit for the Twiml parameter

# Twilio's documented magic "To" numbers for test credentials, and the error each gives.
TEST_NUMBER_ERRORS: dict[str, tuple[int, str]] = {
    "+15005550001": (21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the"
        " 'To' number: +15005550003.",
    ),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}

# Twilio's documented magic "To" numbers for calls with test credentials, and their errors.
TEST_CALL_NUMBER_ERRORS: dict[str, tuple[int, str]] = {
    "+15005550001": (21217, "Phone number +15005550001 is not a valid phone number."),
    "+15005550002": (21214, "'To' phone number +15005550002 cannot be reached."),
    "+15005550003": (
        21215,
        "Account not authorized to call +15005550003. Perhaps you need to enable some"
        " international permissions.",
    ),
    "+15005550004": (21216, "Account not allowed to call +15005550004."),
}

# Sandbox-only numbers (not Twilio's) whose texts are accepted and then fail delivery with
# the given code, so a trainer can watch a text end as undelivered or failed.
DELIVERY_FAILURE_NUMBERS: dict[str, tuple[str, int]] = {
    "+15005553003": ("undelivered", 30003),
    "+15005553004": ("undelivered", 30004),
    "+15005553005": ("undelivered", 30005),
    "+15005553006": ("undelivered", 30006),
    "+15005553007": ("undelivered", 30007),
    "+15005553008": ("undelivered", 30008),
    "+15005553034": ("failed", 30034),
}

# Sandbox-only numbers whose calls ring and then end without being answered.
UNANSWERED_CALL_NUMBERS: dict[str, str] = {
    "+15005554001": "busy",
    "+15005554002": "no-answer",
}

# Twilio's error code for an injected HTTP status; other statuses reuse the status.
_FAULT_ERROR_CODES = {429: 20429, 500: 20500, 503: 20503}

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SandboxTwilioApi:
    """The state and handlers behind the sandbox's Twilio HTTP API.

    Attributes:
        faults: fault strings (see ``faults.py``), taken one per create request (POST),
            oldest first.
        status_step_seconds: a created text is "sent" after one step and "delivered"
            after three.
    """

    def __init__(
        self,
        store: TextStore,
        *,
        account_sid: str,
        auth_token: str,
        status_step_seconds: float,
        faults: deque[str],
    ) -> None:
        self.store = store
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.status_step_seconds = status_step_seconds
        self.faults = faults
        # Numbers the sandbox account owns, for the agency phone check: E.164 to the
        # capabilities Twilio reports (sms, mms, voice).
        self.incoming_numbers: dict[str, dict[str, bool]] = {}
        self._stopping = asyncio.Event()

    def build_app(self) -> web.Application:
        """Build the aiohttp application; faults act first, then auth, then the route."""
        app = web.Application(middlewares=[self._apply_fault, self._check_auth])
        prefix = f"/{API_VERSION}/Accounts/{{account_sid}}"
        app.router.add_post(f"{prefix}/Messages.json", self.create_message)
        app.router.add_get(f"{prefix}/Messages.json", self.list_messages)
        app.router.add_get(f"{prefix}/Messages/{{message_sid}}.json", self.fetch_message)
        app.router.add_get(f"/{API_VERSION}/Accounts/{{account_sid}}.json", self.fetch_account)
        app.router.add_get(f"{prefix}/IncomingPhoneNumbers.json", self.list_incoming_numbers)
        app.router.add_post(f"{prefix}/Calls.json", self.create_call)
        app.router.add_get(f"{prefix}/Calls.json", self.list_calls)
        app.router.add_get(f"{prefix}/Calls/{{call_sid}}.json", self.fetch_call)
        return app

    def interrupt_delays(self) -> None:
        """End every fault delay now, so the server can shut down without waiting."""
        self._stopping.set()

    # Middlewares

    @web.middleware
    async def _apply_fault(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        # Faults hit creates only, so status lookups and reply polls running beside a
        # send do not take the fault meant for it.
        if not self.faults or request.method != "POST":
            return await handler(request)
        fault = parse_twilio_fault(self.faults.popleft())
        logger.info("Sandbox Twilio API injects fault %s on %s %s", fault, request.method,
                    request.path)

        if fault.kind == "http":
            status = fault.http_status or 500
            code = _FAULT_ERROR_CODES.get(status, status)
            return error_response(status, code, f"Sandbox fault: HTTP {status}.")
        if fault.kind == "close":
            return _drop_connection(request)
        if fault.kind == "slow":
            await self._pause(fault)
            if request.transport is None or request.transport.is_closing():
                logger.info("Sandbox Twilio API drops %s %s: the client left during the"
                            " delay", request.method, request.path)
                return _drop_connection(request)
            return await handler(request)

        # The remaining kinds handle the request first: accept-then-close, accept-then-slow.
        response = await handler(request)
        if fault.kind == "accept-then-close":
            return _drop_connection(request)
        await self._pause(fault)
        return response

    @web.middleware
    async def _check_auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not self._credentials_match(request.headers.get("Authorization", "")):
            logger.info("Sandbox Twilio API rejected %s %s: wrong or missing credentials",
                        request.method, request.path)
            response = error_response(401, 20003, "Authenticate")
            response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
            return response
        try:
            if request.match_info.get("account_sid", self.account_sid) != self.account_sid:
                raise web.HTTPNotFound()
            return await handler(request)
        except web.HTTPNotFound:
            return error_response(
                404, 20404, f"The requested resource {request.path} was not found"
            )
        except web.HTTPMethodNotAllowed:
            return error_response(405, 20004, f"Method {request.method} not allowed")

    # Routes

    async def create_message(self, request: web.Request) -> web.Response:
        form = await request.post()
        to = str(form.get("To", "")).strip()
        from_ = str(form.get("From", "")).strip()
        body = str(form.get("Body", ""))
        media_urls = tuple(str(url) for url in form.getall("MediaUrl", []))

        error = _validate_new_message(to, from_, body, media_urls)
        if error is not None:
            code, message = error
            logger.info("Sandbox Twilio API rejected a new text with error %d", code)
            return error_response(400, code, message)

        created_at = time.time()
        final_status, error_code = DELIVERY_FAILURE_NUMBERS.get(to, ("delivered", None))
        text = StoredText(
            sid="SM" + secrets.token_hex(16),
            account_sid=self.account_sid,
            to=to,
            from_=from_,
            body=body,
            media_urls=media_urls,
            num_segments=count_segments(body),
            created_at=created_at,
            sent_at=created_at + self.status_step_seconds,
            delivered_at=created_at + 3 * self.status_step_seconds,
            final_status=final_status,
            error_code=error_code,
        )
        await asyncio.to_thread(self.store.insert, text)
        logger.info("Sandbox Twilio API accepted text %s", text.sid)
        return web.json_response(message_resource(text, created_at), status=201)

    async def fetch_account(self, request: web.Request) -> web.Response:
        return web.json_response({
            "sid": self.account_sid,
            "friendly_name": "ecd-tui sandbox",
            "status": "active",
            "type": "Trial",
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}.json",
        })

    async def list_incoming_numbers(self, request: web.Request) -> web.Response:
        wanted = request.query.get("PhoneNumber")
        numbers = [
            {"phone_number": number, "capabilities": dict(capabilities), "account_sid": self.account_sid,
             "sid": "PN" + secrets.token_hex(16)}
            for number, capabilities in sorted(self.incoming_numbers.items())
            if wanted is None or number == wanted
        ]
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/IncomingPhoneNumbers.json"
        return web.json_response({
            "incoming_phone_numbers": numbers, "page": 0, "page_size": 50,
            "uri": path, "first_page_uri": path, "next_page_uri": None, "previous_page_uri": None,
        })

    async def fetch_message(self, request: web.Request) -> web.Response:
        sid = request.match_info["message_sid"]
        text = await asyncio.to_thread(self.store.get, self.account_sid, sid)
        if text is None:
            raise web.HTTPNotFound()
        return web.json_response(message_resource(text, time.time()))

    async def list_messages(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            page_size = int(query.get("PageSize", DEFAULT_PAGE_SIZE))
            page = int(query.get("Page", 0))
        except ValueError:
            return error_response(400, 20001, "PageSize and Page must be whole numbers.")
        if not 1 <= page_size <= MAX_PAGE_SIZE or page < 0:
            return error_response(
                400, 20001, f"PageSize must be from 1 to {MAX_PAGE_SIZE} and Page at least 0."
            )
        try:
            sent_after = _parse_date_filter(query.get("DateSent>"))
            sent_before = _parse_date_filter(query.get("DateSent<"))
        except ValueError as error:
            return error_response(400, 20001, str(error))

        # One extra row shows whether a next page exists.
        texts = await asyncio.to_thread(
            self.store.list_for_account,
            self.account_sid,
            to=query.get("To"),
            from_=query.get("From"),
            sent_after=sent_after,
            sent_before=sent_before,
            limit=page_size + 1,
            offset=page * page_size,
        )
        now = time.time()
        filters = {key: query[key] for key in ("To", "From", "DateSent>", "DateSent<") if key in query}
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

        def page_uri(number: int) -> str:
            return f"{path}?{urlencode({**filters, 'PageSize': page_size, 'Page': number})}"

        start = page * page_size
        page_texts = texts[:page_size]
        return web.json_response(
            {
                "messages": [message_resource(text, now) for text in page_texts],
                "page": page,
                "page_size": page_size,
                "start": start,
                "end": start + max(len(page_texts) - 1, 0),
                "uri": page_uri(page),
                "first_page_uri": page_uri(0),
                "previous_page_uri": page_uri(page - 1) if page > 0 else None,
                "next_page_uri": page_uri(page + 1) if len(texts) > page_size else None,
            }
        )

    async def create_call(self, request: web.Request) -> web.Response:
        form = await request.post()
        to = str(form.get("To", "")).strip()
        from_ = str(form.get("From", "")).strip()
        twiml = str(form.get("Twiml", ""))
        url = str(form.get("Url", ""))

        error = _validate_new_call(to, from_, twiml, url)
        if error is not None:
            code, message = error
            logger.info("Sandbox Twilio API rejected a new call with error %d", code)
            return error_response(400, code, message)

        step = self.status_step_seconds
        created_at = time.time()
        call = StoredCall(
            sid="CA" + secrets.token_hex(16),
            account_sid=self.account_sid,
            to=to,
            from_=from_,
            twiml=twiml or f"<Redirect>{url}</Redirect>",
            created_at=created_at,
            ringing_at=created_at + step,
            answered_at=created_at + 2 * step,
            ended_at=created_at + 4 * step,
            final_status=UNANSWERED_CALL_NUMBERS.get(to, "completed"),
        )
        await asyncio.to_thread(self.store.insert_call, call)
        logger.info("Sandbox Twilio API accepted call %s", call.sid)
        return web.json_response(call_resource(call, created_at), status=201)

    async def fetch_call(self, request: web.Request) -> web.Response:
        sid = request.match_info["call_sid"]
        call = await asyncio.to_thread(self.store.get_call, self.account_sid, sid)
        if call is None:
            raise web.HTTPNotFound()
        return web.json_response(call_resource(call, time.time()))

    async def list_calls(self, request: web.Request) -> web.Response:
        try:
            page_size = int(request.query.get("PageSize", DEFAULT_PAGE_SIZE))
            page = int(request.query.get("Page", 0))
        except ValueError:
            return error_response(400, 20001, "PageSize and Page must be whole numbers.")
        if not 1 <= page_size <= MAX_PAGE_SIZE or page < 0:
            return error_response(
                400, 20001, f"PageSize must be from 1 to {MAX_PAGE_SIZE} and Page at least 0."
            )
        calls = await asyncio.to_thread(
            self.store.list_calls, self.account_sid, limit=page_size + 1, offset=page * page_size
        )
        now = time.time()
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls.json"
        page_calls = calls[:page_size]
        return web.json_response(
            {
                "calls": [call_resource(call, now) for call in page_calls],
                "page": page,
                "page_size": page_size,
                "uri": f"{path}?PageSize={page_size}&Page={page}",
                "first_page_uri": f"{path}?PageSize={page_size}&Page=0",
                "previous_page_uri": None if page == 0 else f"{path}?PageSize={page_size}&Page={page - 1}",
                "next_page_uri": (
                    f"{path}?PageSize={page_size}&Page={page + 1}" if len(calls) > page_size else None
                ),
            }
        )

    # Helpers

    def _credentials_match(self, header: str) -> bool:
        """Check an HTTP Basic ``Authorization`` header against the sandbox credentials."""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            return False
        login, separator, password = decoded.partition(b":")
        if not separator:
            return False
        return hmac.compare_digest(login, self.account_sid.encode()) & hmac.compare_digest(
            password, self._auth_token.encode()
        )

    async def _pause(self, fault: TwilioFault) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=fault.seconds)
        except TimeoutError:
            pass


def error_response(status: int, code: int, message: str) -> web.Response:
    """Build a Twilio-style JSON error response."""
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )


def message_resource(text: StoredText, now: float) -> dict[str, object]:
    """Return ``text`` as Twilio's Message resource JSON, with its status at ``now``."""
    status = text.status_at(now)
    updated_at = text.created_at
    if status == "sent":
        updated_at = text.sent_at
    elif status in ("delivered", "undelivered", "failed"):
        updated_at = text.delivered_at
    uri = f"/{API_VERSION}/Accounts/{text.account_sid}/Messages/{text.sid}.json"
    return {
        "account_sid": text.account_sid,
        "api_version": API_VERSION,
        "body": text.body,
        "date_created": _rfc2822(text.created_at),
        "date_sent": _rfc2822(text.sent_at) if status != "queued" else None,
        "date_updated": _rfc2822(updated_at),
        "direction": text.direction,
        "error_code": text.error_code_at(now),
        "error_message": None,
        "from": text.from_,
        "messaging_service_sid": None,
        "num_media": str(len(text.media_urls)),
        "num_segments": str(text.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": text.sid,
        "status": status,
        "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
        "to": text.to,
        "uri": uri,
    }


def call_resource(call: StoredCall, now: float) -> dict[str, object]:
    """Return ``call`` as Twilio's Call resource JSON, with its status at ``now``."""
    status = call.status_at(now)
    started = call.answered_at if now >= call.answered_at and call.final_status == "completed" else None
    ended = call.ended_at if now >= call.ended_at else None
    duration = int(call.ended_at - call.answered_at) if ended and started else None
    return {
        "account_sid": call.account_sid,
        "api_version": API_VERSION,
        "date_created": _rfc2822(call.created_at),
        "date_updated": _rfc2822(min(now, call.ended_at)),
        "direction": "outbound-api",
        "duration": str(duration) if duration is not None else None,
        "end_time": _rfc2822(ended) if ended else None,
        "from": call.from_,
        "sid": call.sid,
        "start_time": _rfc2822(started) if started else None,
        "status": status,
        "to": call.to,
        "uri": f"/{API_VERSION}/Accounts/{call.account_sid}/Calls/{call.sid}.json",
    }


def _validate_new_call(to: str, from_: str, twiml: str, url: str) -> tuple[int, str] | None:
    """Return Twilio's error code and message for an invalid call request, else None."""
    if not to:
        return 21201, "No 'To' number is specified."
    if not from_:
        return 21213, "No 'From' number is specified."
    if not twiml and not url:
        return 21205, "A Url or Twiml parameter is required."
    if not _E164.fullmatch(from_):
        return 21212, f"The 'From' number {from_} is not a valid phone number."
    if not _E164.fullmatch(to):
        return 21217, f"Phone number {to} is not a valid phone number."
    if len(twiml) > MAX_TWIML_CHARACTERS:
        return 21232, f"The Twiml parameter exceeds {MAX_TWIML_CHARACTERS} characters."
    return TEST_CALL_NUMBER_ERRORS.get(to)


def _parse_date_filter(value: str | None) -> float | None:
    """Parse a ``DateSent>`` or ``DateSent<`` value (ISO 8601, UTC) into a Unix time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"DateSent filter {value!r} is not an ISO 8601 date or time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _validate_new_message(
    to: str, from_: str, body: str, media_urls: tuple[str, ...]
) -> tuple[int, str] | None:
    """Return Twilio's error code and message for an invalid create request, else None."""
    if not to:
        return 21604, "A 'To' phone number is required."
    if not from_:
        return 21603, "A 'From' phone number is required."
    if not body and not media_urls:
        return 21602, "Message body is required."
    if not _E164.fullmatch(from_):
        return 21212, f"The 'From' number {from_} is not a valid phone number or shortcode."
    if not _E164.fullmatch(to):
        return 21211, f"The 'To' number {to} is not a valid phone number."
    if len(body) > MAX_BODY_CHARACTERS:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    return TEST_NUMBER_ERRORS.get(to)


def _drop_connection(request: web.Request) -> web.StreamResponse:
    """Close the client's connection; aiohttp then finds it closed and writes nothing."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)


def _rfc2822(timestamp: float) -> str:
    return format_datetime(datetime.fromtimestamp(timestamp, timezone.utc))
