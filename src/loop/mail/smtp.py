"""SMTP delivery with aiosmtplib.

aiosmtplib speaks SMTP on the event loop itself (STARTTLS, implicit TLS, AUTH, timeouts), so a send costs
no thread and a slow relay never blocks other work; the stdlib ``smtplib`` would need a thread per send.
Messages are built with the stdlib ``email`` package: HTML bodies go out as ``multipart/alternative`` with a
plain-text part derived from the HTML, attachments as MIME parts. Bcc recipients are envelope recipients
only, never a header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from html.parser import HTMLParser

import aiosmtplib

from loop.config import Settings
from loop.core.clock import utcnow


class PermanentDeliveryError(Exception):
    """The server refused the message for good (5xx): sending it again would fail the same way."""


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    username: str = ""
    password: str = ""
    security: str = "starttls"
    validate_certs: bool = True
    default_from: str = ""
    timeout_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MailConfig | None:
        """None when no SMTP server is configured."""
        if not settings.smtp_host:
            return None
        port = settings.smtp_port or {"ssl": 465, "starttls": 587}.get(settings.smtp_security, 25)
        return cls(
            host=settings.smtp_host,
            port=port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            validate_certs=settings.smtp_validate_certs,
            default_from=settings.smtp_from,
            timeout_s=settings.smtp_timeout_s,
        )


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingMail:
    message_id: str
    from_address: str
    subject: str
    body: str
    from_name: str | None = None
    to: list[tuple[str | None, str]] = field(default_factory=list)
    cc: list[tuple[str | None, str]] = field(default_factory=list)
    bcc: list[tuple[str | None, str]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    attachments: list[OutgoingAttachment] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, address in [*self.to, *self.cc, *self.bcc]:
            seen.setdefault(address, None)
        return list(seen)


def new_message_id(from_address: str) -> str:
    domain = from_address.rpartition("@")[2] or "loop.local"
    return make_msgid(domain=domain)


_TAG = re.compile(r"<[a-zA-Z/!]")


def looks_like_html(body: str) -> bool:
    return bool(_TAG.search(body))


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(body: str) -> str:
    parser = _TextExtractor()
    parser.feed(body)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def build_message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(utcnow())
    message["From"] = formataddr((mail.from_name or "", mail.from_address))
    if mail.to:
        message["To"] = ", ".join(formataddr((name or "", address)) for name, address in mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(formataddr((name or "", address)) for name, address in mail.cc)
    message["Subject"] = mail.subject
    if mail.references:
        message["In-Reply-To"] = mail.references[-1]
        message["References"] = " ".join(mail.references)
    if looks_like_html(mail.body):
        message.set_content(html_to_text(mail.body))
        message.add_alternative(mail.body, subtype="html")
    else:
        message.set_content(mail.body or "")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


async def send(config: MailConfig, mail: OutgoingMail) -> str:
    """Deliver ``mail``; returns the server's reply. Raises ``PermanentDeliveryError`` for 5xx refusals and
    other exceptions (connection, timeout, 4xx) for failures worth another try."""
    message = build_message(mail)
    try:
        _, reply = await aiosmtplib.send(
            message,
            sender=mail.from_address,
            recipients=mail.recipients,
            hostname=config.host,
            port=config.port,
            username=config.username or None,
            password=config.password or None,
            use_tls=config.security == "ssl",
            start_tls=config.security == "starttls",
            validate_certs=config.validate_certs,
            timeout=config.timeout_s,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        if all(500 <= r.code < 600 for r in exc.recipients):
            raise PermanentDeliveryError(f"All recipients were refused ({refused})") from exc
        raise
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise PermanentDeliveryError(f"SMTP authentication failed: {exc.code} {exc.message}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise PermanentDeliveryError(
                f"The SMTP server refused the message: {exc.code} {exc.message}"
            ) from exc
        raise
    return reply
