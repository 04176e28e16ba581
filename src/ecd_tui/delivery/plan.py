"""Decide how this process delivers: the sandbox, the live carriers, or not at all.

The agency's stored mode decides between sandbox and live. On a live database, a process
that cannot read the carrier secrets is "unavailable": it runs no dispatcher, so
scheduled messages stay scheduled until a process that has the secrets sends them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ecd_tui.config import Config
from ecd_tui.delivery.credentials import Resolved, resolve

log = logging.getLogger(__name__)


@dataclass
class DeliveryPlan:
    """The delivery choice of this process, with the config (secrets filled in when live).

    Attributes:
        mode: "sandbox", "live" or "unavailable".
        config: the config; when live, with the secrets that ``credentials`` found.
        reason: for "unavailable", what is missing and how to provide it.
        locked: the encrypted credentials file waits for its passphrase.
        wrong_passphrase: the passphrase given does not open the credentials file.
    """

    mode: str
    config: Config = field(repr=False)
    reason: str = ""
    locked: bool = False
    wrong_passphrase: bool = False

    @property
    def header_label(self) -> str:
        """The words the header shows for this mode."""
        if self.mode == "live":
            return "LIVE"
        if self.mode == "unavailable":
            return "LIVE (no credentials here)"
        return "SANDBOX: nothing leaves this machine"


def plan_delivery(config: Config, agency_mode: str, *, force_sandbox: bool = False, passphrase: str | None = None) -> DeliveryPlan:
    """Return the plan for ``agency_mode`` ("sandbox" or "live") and this process's secrets.

    Blocks on the keyring (bounded) and the credentials file: call it from a thread.
    """
    if force_sandbox or agency_mode != "live":
        return DeliveryPlan(mode="sandbox", config=config)
    resolved: Resolved = resolve(config, passphrase=passphrase)
    if resolved.complete:
        return DeliveryPlan(mode="live", config=resolved.config)
    reason = "Delivery is live, but this session cannot read the carrier credentials, so it sends nothing; scheduled messages stay scheduled. " + resolved.explain()
    log.warning("Delivery unavailable: %s", reason)
    return DeliveryPlan(mode="unavailable", config=config, reason=reason, locked=resolved.locked, wrong_passphrase=resolved.wrong_passphrase)
