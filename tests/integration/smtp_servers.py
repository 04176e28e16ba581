"""Local aiosmtpd servers for connection tests: implicit TLS, STARTTLS and plain, on 127.0.0.1.

The certificate is self-signed and made per test run with the ``cryptography`` package;
the client trusts it through the context ``client_context`` returns.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import socket
import ssl
from pathlib import Path

from aiosmtpd.smtp import SMTP

from ecd_tui.delivery.sandbox.mail_server import CredentialsAuthenticator, SmtpServer

USERNAME = "reminders"
PASSWORD = "correct horse battery"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for 127.0.0.1 and its key; return both paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


def client_context(cert_path: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert_path))


class _Accept:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


async def start_server(mode: str, tls: ssl.SSLContext | None) -> SmtpServer:
    """Start an aiosmtpd server on a free loopback port in ``mode``: implicit, starttls or none."""
    import weakref

    loop = asyncio.get_running_loop()
    sessions = weakref.WeakSet()

    def make_session() -> SMTP:
        session = SMTP(
            _Accept(),
            hostname="test.localhost",
            authenticator=CredentialsAuthenticator(USERNAME, PASSWORD),
            # aiosmtpd 1.4 does not notice TLS set up by the server socket, so only
            # STARTTLS sessions are made to require it before AUTH.
            auth_require_tls=mode == "starttls",
            tls_context=tls if mode == "starttls" else None,
            require_starttls=mode == "starttls",
            loop=loop,
        )
        sessions.add(session)
        return session

    server = await loop.create_server(make_session, host="127.0.0.1", port=0, ssl=tls if mode == "implicit" else None)
    return SmtpServer(server, sessions)


def silent_listener() -> socket.socket:
    """Return a socket listening on 127.0.0.1 that never accepts nor answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    return listener
