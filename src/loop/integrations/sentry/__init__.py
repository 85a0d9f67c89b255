"""Sentry integration-platform webhooks (an internal integration's webhook URL and client secret)."""

from loop.integrations.common import Provider
from loop.integrations.sentry.mapping import delivery_id, interpret
from loop.integrations.sentry.verification import verify

PROVIDER = Provider(
    key="sentry",
    name="Sentry",
    signature_header="Sentry-Hook-Signature",
    verify=verify,
    interpret=interpret,
    delivery_id=delivery_id,
)
