"""GitHub repository and organisation webhooks."""

from loop.integrations.common import Provider
from loop.integrations.github.mapping import delivery_id, interpret
from loop.integrations.github.verification import verify

PROVIDER = Provider(
    key="github",
    name="GitHub",
    signature_header="X-Hub-Signature-256",
    verify=verify,
    interpret=interpret,
    delivery_id=delivery_id,
)
