"""Outgoing email over SMTP."""

from loop.mail.smtp import (
    MailConfig,
    OutgoingAttachment,
    OutgoingMail,
    PermanentDeliveryError,
    build_message,
    send,
)

__all__ = [
    "MailConfig",
    "OutgoingAttachment",
    "OutgoingMail",
    "PermanentDeliveryError",
    "build_message",
    "send",
]
