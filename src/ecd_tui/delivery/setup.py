"""Choose the carriers: the real accounts when configured, otherwise the sandbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ecd_tui.config import Config
from ecd_tui.delivery.dispatcher import Senders
from ecd_tui.delivery.plan import DeliveryPlan
from ecd_tui.delivery.sandbox import Sandbox
from ecd_tui.delivery.transports.smtp import SmtpTransport
from ecd_tui.delivery.transports.twilio import TwilioTransport
from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER

log = logging.getLogger(__name__)

SANDBOX_SMS_FROM = SANDBOX_NUMBER
SANDBOX_EMAIL_FROM = "ecd-tui@sandbox.invalid"


@dataclass
class Delivery:
    """The transports in use, and the sandbox behind them when not live."""

    mode: str  # "live" or "sandbox"
    text_transport: TwilioTransport
    email_transport: SmtpTransport
    senders: Senders
    sandbox: Sandbox | None = None

    async def aclose(self) -> None:
        await self.text_transport.aclose()
        await self.email_transport.aclose()
        if self.sandbox is not None:
            await self.sandbox.stop()


def sandbox_directory(database: Path) -> Path:
    """Return where the sandbox of a database keeps what it received."""
    return database.with_name(database.stem + ".sandbox")


class DeliveryUnavailable(Exception):
    """Delivery is live but this process lacks the credentials; nothing must be sent."""


async def start_delivery(config: Config, *, force_sandbox: bool = False, plan: DeliveryPlan | None = None) -> Delivery:
    """Build the transports for ``plan``: the live carriers, or the sandbox on loopback.

    Without a plan, delivery is the sandbox: only the agency's stored mode (see
    ``delivery.plan``) turns it live.

    Raises:
        DeliveryUnavailable: the plan is live but the credentials are missing.
    """
    if plan is not None and plan.mode == "unavailable" and not force_sandbox:
        raise DeliveryUnavailable(plan.reason)
    if plan is not None and plan.mode == "live" and not force_sandbox:
        config = plan.config
        twilio, smtp = config.twilio, config.smtp
        log.info("Delivery is live: Twilio account %s, SMTP %s:%s (%s)", twilio.account_sid, smtp.host, smtp.port, smtp.tls)
        return Delivery(
            mode="live",
            text_transport=TwilioTransport(twilio.account_sid, twilio.auth_token, api_key=twilio.api_key, base_url=twilio.base_url),
            email_transport=SmtpTransport(smtp.host, smtp.port, tls=smtp.tls, username=smtp.username, password=smtp.password),
            senders=Senders(sms_from=None, email_from=smtp.sender),
        )

    sandbox = Sandbox(sandbox_directory(config.database))
    await sandbox.start()
    log.info(
        "Delivery is the sandbox: texts to %s, email to %s:%s; nothing leaves this machine",
        sandbox.twilio_base_url, sandbox.smtp_host, sandbox.smtp_port,
    )
    return Delivery(
        mode="sandbox",
        text_transport=TwilioTransport(sandbox.account_sid, sandbox.auth_token, base_url=sandbox.twilio_base_url),
        email_transport=SmtpTransport(sandbox.smtp_host, sandbox.smtp_port, tls="none"),
        senders=Senders(sms_from=SANDBOX_SMS_FROM, email_from=SANDBOX_EMAIL_FROM),
        sandbox=sandbox,
    )
