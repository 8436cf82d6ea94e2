"""Signing in to the user's IMAP server, with failures a person can act on.

A mail server is someone else's machine: it may be unreachable, slow, refuse the password or
present a certificate that cannot be verified. Each becomes a :class:`MailboxError` whose
message says what happened and what to do, and which provider needs what kind of password,
because "authentication failed" alone sends people hunting for a typo when Gmail wants an app
password.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sheet_followup.errors import MailboxError

if TYPE_CHECKING:
    from imapclient import IMAPClient

    from sheet_followup.settings import Settings

TIMEOUT_SECONDS = 30.0
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
_THIS_MACHINE = ("localhost", "localhost.localdomain", "ip6-localhost")


@dataclass(frozen=True)
class Account:
    """Where and as whom to sign in; never the password."""

    host: str
    port: int
    security: str  # "ssl", "starttls" or "none"
    user: str

    @property
    def shown(self) -> str:
        return f"{self.user} at {self.host}:{self.port}"


def split_server(text: str) -> tuple[str, int | None]:
    """ "imap.example.com" -> (host, None); "imap.example.com:993" or "[::1]:143" -> with the
    port. Raises ValueError saying what is wrong with anything else."""
    server = text.strip()
    if not server or "/" in server or " " in server or "@" in server:
        message = (
            f"'{text}' is not a server name; write the host alone, such as imap.gmail.com, "
            "or with a port, imap.gmail.com:993"
        )
        raise ValueError(message)
    if server.startswith("["):
        host, _, rest = server[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else (rest or None)
    elif server.count(":") == 1:
        host, _, port_text = server.partition(":")
    else:
        host, port_text = server, None  # a host name, or an IPv6 address without a port
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        message = f"'{text}': '{port_text}' is not a port number (1 to 65535)"
        raise ValueError(message)
    return host, int(port_text)


def is_this_machine(host: str) -> bool:
    """localhost, 127.x.x.x or ::1: a server no one else's network sits between."""
    if host.lower().rstrip(".") in _THIS_MACHINE:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def account_from_settings(settings: Settings) -> Account:
    """The account the Settings sheet describes, or a MailboxError naming what is missing."""
    if not settings.mail_server:
        message = "no Mail server in the Settings sheet; add one (such as imap.gmail.com)"
        raise MailboxError(message)
    host, port = split_server(settings.mail_server)
    if not settings.mail_user:
        message = (
            f"Settings: Mail server is {settings.mail_server} but there is no Mail user; add "
            "the login (usually your email address)"
        )
        raise MailboxError(message)
    security = settings.mail_security
    if security == "none" and not is_this_machine(host):
        message = (
            f"Settings: Mail security 'none' would send your password to {host} unencrypted; "
            "it is accepted only for a server on this machine. Use ssl (or starttls)"
        )
        raise MailboxError(message)
    return Account(host, port or DEFAULT_PORTS[security], security, settings.mail_user)


def connect(account: Account) -> IMAPClient:
    """A connection, encrypted as the account says, with its certificate verified."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError

    context = ssl.create_default_context()  # verifies the certificate and the host name
    try:
        client = IMAPClient(
            account.host,
            port=account.port,
            ssl=account.security == "ssl",
            ssl_context=context,
            timeout=TIMEOUT_SECONDS,
        )
        if account.security == "starttls":
            client.starttls(context)
    except ssl.SSLCertVerificationError as error:
        message = (
            f"the mail server {account.host}:{account.port} presented a certificate that "
            f"could not be verified ({error.verify_message}); the tool does not sign in to a "
            "server it cannot verify. Check the server name in Settings"
        )
        raise MailboxError(message) from error
    except ssl.SSLError as error:
        message = (
            f"could not start an encrypted connection to {account.host}:{account.port} "
            f"({error.reason or error}); check Mail security ({account.security}) and the port"
        )
        raise MailboxError(message) from error
    except (OSError, IMAPClientError) as error:
        raise MailboxError(unreachable(account, error)) from error
    return client


def unreachable(account: Account, error: BaseException) -> str:
    """Why the server could not be reached, in words."""
    if isinstance(error, socket.gaierror):
        reason = f"no server is known by the name {account.host}"
    elif isinstance(error, (TimeoutError, socket.timeout)):
        reason = f"no answer in {TIMEOUT_SECONDS:.0f} seconds"
    elif isinstance(error, ConnectionRefusedError):
        reason = f"nothing answers on port {account.port}"
    else:
        reason = str(error) or type(error).__name__
    return (
        f"could not reach the mail server {account.host}:{account.port} ({reason}); check "
        "the connection and the Mail server setting"
    )


def login(client: IMAPClient, account: Account, password: str) -> None:
    from imapclient.exceptions import IMAPClientError, LoginError

    try:
        client.login(account.user, password)
    except LoginError as error:
        raise MailboxError(refused(account)) from error
    except (OSError, IMAPClientError) as error:
        raise MailboxError(unreachable(account, error)) from error


# Providers that refuse the account's own password over IMAP, and what they want instead.
_APP_PASSWORD = {
    "gmail": ("Gmail", "gmail.com", "googlemail.com"),
    "icloud": ("iCloud", "icloud.com", "me.com", "mac.com"),
    "yahoo": ("Yahoo", "yahoo.com", "yahoo.co.uk", "ymail.com", "aol.com"),
    "fastmail": ("Fastmail", "fastmail.com", "fastmail.fm", "messagingengine.com"),
}
_OAUTH_ONLY = ("outlook.com", "hotmail.com", "live.com", "office365.com", "outlook.office365.com")


def provider_hint(account: Account) -> str:
    """What kind of password the account's provider needs, by its server or login."""
    names = (account.host.lower(), account.user.lower().rpartition("@")[2])
    for provider, *domains in _APP_PASSWORD.values():
        if any(name == d or name.endswith("." + d) for name in names for d in domains):
            return (
                f"{provider} needs an app password for IMAP, not your account's password: "
                f"make one in your {provider} account's security settings and use that"
            )
    if any(name == d or name.endswith("." + d) for name in names for d in _OAUTH_ONLY):
        return (
            "Outlook.com and Microsoft 365 accept only OAuth sign-in, which this tool does not "
            "do: leave Mail server out and send the .eml drafts (--format eml) from your mail "
            "program"
        )
    return "check Mail user and the password; some providers need an app password for IMAP"


def refused(account: Account) -> str:
    return f"the mail server refused the sign-in for {account.shown}: {provider_hint(account)}"


def close_quietly(client: IMAPClient) -> None:
    """Log out, or at least close: a connection dropping now changes nothing of the run."""
    try:
        client.logout()
    except Exception:
        with suppress(Exception):
            client.shutdown()
