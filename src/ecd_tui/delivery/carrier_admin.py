"""Set up the live carriers: store their settings and secrets, test them, go live.

These functions block (keyring, files, network through ``asyncio.run``), so screens call
them from a thread worker through ``Services``. Each checks Manage Settings first.
"""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from dataclasses import dataclass, field, replace
from pathlib import Path

from ecd_tui.config import SMTP_TLS_MODES, Config, SmtpSettings, TwilioSettings, load_config
from ecd_tui.config_file import update_config_file
from ecd_tui.delivery.connection_checks import CheckResult, check_smtp, check_smtp_settings, check_twilio
from ecd_tui.delivery.credentials import SMTP_PASSWORD, TWILIO_SECRET, Resolved, resolve, save_secrets
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.delivery_mode import DeliveryMode, set_delivery_mode
from ecd_tui.domain.models import AuditEntry
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_API_KEY = re.compile(r"^SK[0-9a-fA-F]{32}$")


class CarrierSetupError(ValueError):
    """Carrier settings that cannot be used, or a rejected go-live; the message explains why."""


@dataclass
class CarrierForm:
    """The values an administrator types in setup; empty secrets keep the stored ones."""

    account_sid: str = ""
    api_key: str = ""
    twilio_secret: str = field(default="", repr=False)
    smtp_host: str = ""
    smtp_port: str = "587"
    smtp_tls: str = ""
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_sender: str = ""


def check_form(form: CarrierForm) -> tuple[TwilioSettings, SmtpSettings, list[str]]:
    """Return the carrier settings from the form, with warnings; raise CarrierSetupError."""
    errors = []
    sid = form.account_sid.strip()
    if not _ACCOUNT_SID.match(sid):
        errors.append(f"Account SID {sid!r} is not a Twilio account SID: it starts with AC and has 32 hex digits after.")
    api_key = form.api_key.strip() or None
    if api_key is not None and not _API_KEY.match(api_key):
        errors.append(f"API key {api_key!r} is not a Twilio API key SID: it starts with SK and has 32 hex digits after; leave it empty to use the auth token.")
    host = form.smtp_host.strip()
    if not host or any(character.isspace() for character in host):
        errors.append(f"SMTP host {host!r} is not a host name: type one such as smtp.example.gov.")
    try:
        port = int(form.smtp_port.strip())
        if not 1 <= port <= 65535:
            raise ValueError
    except ValueError:
        errors.append(f"SMTP port {form.smtp_port.strip()!r} is not a port: use 465 (implicit TLS), 587 (STARTTLS) or 25.")
        port = 0
    tls = form.smtp_tls.strip().lower() or {465: "implicit", 587: "starttls"}.get(port, "none")
    if tls not in SMTP_TLS_MODES:
        errors.append(f"TLS mode {tls!r} is unknown: use implicit (port 465), starttls (port 587) or none (a local relay).")
    sender = form.smtp_sender.strip()
    if sender:
        from email_validator import EmailNotValidError, validate_email

        try:
            sender = validate_email(sender, check_deliverability=False).normalized
        except EmailNotValidError as error:
            errors.append(f"Email sender {sender!r} is not a valid email address: {error}")
    if errors:
        raise CarrierSetupError(" ".join(errors))
    twilio = TwilioSettings(account_sid=sid, api_key=api_key)
    smtp = SmtpSettings(host=host, port=port, tls=tls, username=form.smtp_username.strip() or None, sender=sender or None)
    return twilio, smtp, check_smtp_settings(host, port, tls)


def store_carrier_settings(
    store: Store,
    actor: Actor,
    config: Config,
    form: CarrierForm,
    *,
    config_path: Path | None = None,
    target: str = "auto",
    passphrase: str | None = None,
) -> tuple[Config, str, list[str]]:
    """Write the non-secret settings to the config file and the secrets to their store.

    Returns:
        The reloaded config, where the secrets went in words, and warnings.

    Raises:
        PermissionDenied: the actor lacks Manage Settings.
        CarrierSetupError: a typed value cannot be used.
        ConfigWriteError, SecretFileError, KeyringUnavailable: storing failed.
    """
    require(actor, Permission.MANAGE_SETTINGS, "set up the carrier credentials")
    twilio, smtp, warnings = check_form(form)
    path = config_path or config.source or config.paths.config_dir / "config.toml"
    update_config_file(path, {
        "twilio": {"account_sid": twilio.account_sid, "api_key": twilio.api_key},
        "smtp": {"host": smtp.host, "port": smtp.port, "tls": smtp.tls, "username": smtp.username, "sender": smtp.sender},
    })
    secrets = {TWILIO_SECRET: form.twilio_secret, SMTP_PASSWORD: form.smtp_password}
    where = "nowhere (no new secret was typed)"
    if any(secrets.values()):
        where = save_secrets(config, secrets, target=target, passphrase=passphrase)
    detail = f"Twilio account {twilio.account_sid}, SMTP {smtp.host}:{smtp.port} ({smtp.tls}); config {path}; secrets in {where}"
    with store.write() as session:
        session.add(AuditEntry(at=utcnow(), login=actor.login, action="credentials stored", target="carriers", detail=detail))
    log.info("Carrier settings stored by %s: %s", actor.login, detail)
    reloaded = load_config(path, config.database)
    return replace(reloaded, database_group=config.database_group or reloaded.database_group), where, warnings


def resolve_credentials(config: Config, passphrase: str | None = None) -> Resolved:
    """Look the secrets up (keyring, environment, systemd, encrypted file)."""
    return resolve(config, passphrase=passphrase)


def run_connection_tests(store: Store, actor: Actor, config: Config, *, passphrase: str | None = None, tls_context: ssl.SSLContext | None = None, timeout: float | None = None) -> list[CheckResult]:
    """Test Twilio and SMTP with the stored secrets, both at once, within about 15 seconds.

    Raises:
        PermissionDenied: the actor lacks Manage Settings.
    """
    require(actor, Permission.MANAGE_SETTINGS, "test the carrier connections")
    resolved = resolve(config, passphrase=passphrase)
    return asyncio.run(_run_checks(resolved, tls_context, timeout))


def go_live(store: Store, actor: Actor, config: Config, *, passphrase: str | None = None, tls_context: ssl.SSLContext | None = None, timeout: float | None = None) -> tuple[DeliveryMode, list[CheckResult]]:
    """Switch the agency to live delivery once both connection tests pass.

    The caller has asked the administrator to confirm.

    Raises:
        PermissionDenied: the actor lacks Manage Settings.
        CarrierSetupError: a carrier is not set up or its test failed; nothing changes.
    """
    results = run_connection_tests(store, actor, config, passphrase=passphrase, tls_context=tls_context, timeout=timeout)
    if not all(result.ok for result in results):
        raise CarrierSetupError("Delivery stays in the sandbox, because a connection test failed. " + " ".join(str(result) for result in results))
    return set_delivery_mode(store, actor, "live"), results


async def _run_checks(resolved: Resolved, tls_context: ssl.SSLContext | None, timeout: float | None) -> list[CheckResult]:
    config = resolved.config
    if config.twilio is None or config.smtp is None:
        return [CheckResult("Setup", False, resolved.explain())]
    options = {} if timeout is None else {"timeout": timeout}
    twilio_check = check_twilio(config.twilio, **options)
    smtp_check = check_smtp(config.smtp, tls_context=tls_context, **options)
    results = list(await asyncio.gather(twilio_check, smtp_check))
    if config.smtp.username and config.smtp.password is None:
        results[1] = CheckResult("SMTP", False, "no SMTP password was found. " + resolved.explain())
    return results


def carrier_overview(config: Config, agency_mode: str, scheduled: int, passphrase: str | None = None) -> dict:
    """Return what the Carriers screen shows: the form without secrets, the mode and the plan."""
    from ecd_tui.delivery.credentials import credentials_file
    from ecd_tui.delivery.keyring_store import Keyring
    from ecd_tui.delivery.plan import plan_delivery

    twilio, smtp = config.twilio, config.smtp
    form = {
        "account_sid": twilio.account_sid if twilio else "",
        "api_key": (twilio.api_key or "") if twilio else "",
        "smtp_host": smtp.host if smtp else "",
        "smtp_port": str(smtp.port) if smtp else "587",
        "smtp_tls": smtp.tls if smtp else "starttls",
        "smtp_username": (smtp.username or "") if smtp else "",
        "smtp_sender": (smtp.sender or "") if smtp else "",
    }
    keyring = Keyring(config.credentials.keyring)
    resolved = resolve(config, passphrase=passphrase, keyring=keyring)
    plan = plan_delivery(config, agency_mode, passphrase=passphrase)
    sources = ", ".join(f"{name} from the {source}" for name, source in resolved.sources.items()) or "none found"
    store_words = f"the keyring ({keyring.name})" if keyring.available else "the encrypted file (no keyring here)"
    lines = [
        f"Agency delivery: {agency_mode.upper()}. This session: {plan.header_label}.",
        f"Secrets: {sources}. New ones go to {store_words}.",
    ]
    if not config.carriers_configured:
        lines.append("Not set up yet: fill in the form, then ctrl+s saves and F5 tests.")
    elif resolved.locked:
        lines.append("The secrets are in the encrypted file: F5 asks for its passphrase.")
    elif not resolved.complete:
        lines.append(f"Missing: {', '.join(resolved.missing)}. Type it and press ctrl+s.")
    return {
        "form": form, "mode": agency_mode, "status": "\n".join(lines), "scheduled": scheduled,
        "keyring_available": keyring.available, "file_exists": credentials_file(config).exists(),
    }


def check_number_in_account(config: Config, agency_mode: str, e164: str, passphrase: str | None = None) -> CheckResult:
    """Look an agency number up in the Twilio account when delivery is live."""
    from ecd_tui.delivery.connection_checks import check_agency_number

    if agency_mode != "live":
        return CheckResult("Twilio", True, f"Delivery is the sandbox, so {e164} is not checked; it is checked against the Twilio account once live.")
    resolved = resolve(config, passphrase=passphrase)
    if resolved.config.twilio is None or not resolved.config.twilio.auth_token:
        return CheckResult("Twilio", False, f"{e164} cannot be checked: {resolved.explain()}")
    return asyncio.run(check_agency_number(resolved.config.twilio, e164))
