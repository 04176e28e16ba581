"""Faults the sandbox's Twilio API can inject, one per create request, to exercise error handling.

Only requests that create a text or a call (POST) take a fault; lookups and lists pass.

A fault is written as a short string so a test or a trainer can queue it by hand:

- ``http:STATUS``: respond at once with that HTTP error status (400-599) and a Twilio-style
  error body, without handling the request.
- ``slow:SECONDS``: wait, then handle the request. If the client has gone by then, the
  request is dropped without being handled, as if it never reached the carrier.
- ``close``: close the connection without handling the request or responding.
- ``accept-then-slow`` or ``accept-then-slow:SECONDS``: handle the request (a create stores
  the text), then wait before responding. The default wait is 10 seconds.
- ``accept-then-close``: handle the request, then close the connection without responding.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ACCEPT_THEN_SLOW_SECONDS = 10.0

FAULT_KINDS = ("http", "slow", "close", "accept-then-slow", "accept-then-close")


@dataclass(frozen=True)
class TwilioFault:
    """One parsed fault: its kind and, where the kind takes one, a status or a delay."""

    kind: str
    http_status: int | None = None
    seconds: float = 0.0


def parse_twilio_fault(spec: str) -> TwilioFault:
    """Parse a fault string such as ``"http:429"`` or ``"slow:2.5"``.

    Raises:
        ValueError: the string names no known fault or has a bad argument.
    """
    kind, _, argument = spec.strip().partition(":")
    if kind not in FAULT_KINDS:
        raise ValueError(
            f"Unknown sandbox fault {spec!r}: use one of http:STATUS, slow:SECONDS, close,"
            " accept-then-slow[:SECONDS] or accept-then-close."
        )

    if kind == "http":
        if not argument.isdigit() or not 400 <= int(argument) <= 599:
            raise ValueError(
                f"Invalid sandbox fault {spec!r}: http needs an error status from 400 to 599,"
                " for example http:429."
            )
        return TwilioFault(kind, http_status=int(argument))

    if kind in ("slow", "accept-then-slow"):
        if not argument and kind == "accept-then-slow":
            return TwilioFault(kind, seconds=DEFAULT_ACCEPT_THEN_SLOW_SECONDS)
        try:
            seconds = float(argument)
        except ValueError:
            seconds = -1.0
        if not seconds >= 0:
            raise ValueError(
                f"Invalid sandbox fault {spec!r}: {kind} needs a delay in seconds,"
                f" for example {kind}:2.5."
            )
        return TwilioFault(kind, seconds=seconds)

    if argument:
        raise ValueError(f"Invalid sandbox fault {spec!r}: {kind} takes no argument.")
    return TwilioFault(kind)
