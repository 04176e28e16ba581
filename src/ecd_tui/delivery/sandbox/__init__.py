"""Training-mode carrier stand-ins on 127.0.0.1: a Twilio-compatible API and an SMTP server.

The real transports are pointed at them, so the sandbox runs the same code as production.
``read_sandbox_log`` reads what a sandbox received without starting the servers.
"""

from .faults import parse_twilio_fault
from .log import read_sandbox_log
from .server import (
    SANDBOX_ACCOUNT_SID,
    SANDBOX_AUTH_TOKEN,
    SANDBOX_SMTP_PASSWORD,
    SANDBOX_SMTP_USERNAME,
    Sandbox,
)

__all__ = [
    "SANDBOX_ACCOUNT_SID",
    "SANDBOX_AUTH_TOKEN",
    "SANDBOX_SMTP_PASSWORD",
    "SANDBOX_SMTP_USERNAME",
    "Sandbox",
    "parse_twilio_fault",
    "read_sandbox_log",
]
