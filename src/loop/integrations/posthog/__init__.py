"""PostHog webhook destinations (data pipelines) and insight alerts."""

from loop.integrations.common import Provider
from loop.integrations.posthog.mapping import delivery_id, interpret
from loop.integrations.posthog.verification import verify

PROVIDER = Provider(
    key="posthog",
    name="PostHog",
    signature_header="X-PostHog-Secret",
    verify=verify,
    interpret=interpret,
    delivery_id=delivery_id,
)
