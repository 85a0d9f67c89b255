"""Webhook configuration (per-organisation secrets, provider-to-project mappings) and receiving a
delivery: find the organisation's secret, verify the raw bytes, parse, map, deduplicate by delivery id,
ingest.

Secrets are stored encrypted (Fernet: AES-128-CBC with an HMAC-SHA256 tag) under a key derived from the
server's secret key: HMAC verification needs the secret itself, so it cannot be hashed like a token. A
store copied without the server's key does not reveal them; changing the server's key means setting each
webhook secret again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random
import time
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from loop.core.clock import utcnow
from loop.core.errors import BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable
from loop.db.session import Database
from loop.integrations import github, posthog, sentry
from loop.integrations.common import Actionable, Headers, Provider
from loop.signals import service
from loop.signals.models import WebhookProjectMapping, WebhookSecret
from loop.signals.repository import WebhookRepository, live_project

PROVIDERS: dict[str, Provider] = {p.key: p for p in (github.PROVIDER, sentry.PROVIDER, posthog.PROVIDER)}
MAX_BODY = 5 * 1024 * 1024
MIN_SECRET, MAX_SECRET = 8, 500
MAPPING_NOT_FOUND = "Mapping not found"
ADMIN_ONLY = "Only owners and admins can change webhook secrets"


def provider_or_404(key: str) -> Provider:
    provider = PROVIDERS.get(key)
    if provider is None:
        raise NotFound(
            f"Unknown webhook provider '{key}' (known: {', '.join(PROVIDERS)})", code="unknown_provider"
        )
    return provider


# -- secrets ------------------------------------------------------------------------------------------------
def _fernet(server_key: str) -> Fernet:
    derived = hmac.new(server_key.encode(), b"loop/webhook-secrets/v1", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(server_key: str, secret: str) -> str:
    return _fernet(server_key).encrypt(secret.encode()).decode()


def decrypt(server_key: str, token: str) -> str | None:
    try:
        return _fernet(server_key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def webhook_url(base_url: str, provider: str, org_id: str) -> str:
    return f"{base_url.rstrip('/')}/api/signals/{provider}?org={org_id}"


def webhook_to_api(
    provider: Provider, row: WebhookSecret | None, base_url: str, org_id: str
) -> dict[str, Any]:
    return {
        "provider": provider.key,
        "name": provider.name,
        "configured": row is not None,
        "url": webhook_url(base_url, provider.key, org_id),
        "signatureHeader": provider.signature_header,
        "updatedAt": row.updated_at if row is not None else None,
    }


async def list_webhooks(session: AsyncSession, org_id: str, base_url: str) -> list[dict[str, Any]]:
    rows = await WebhookRepository(session, org_id).secrets()
    return [webhook_to_api(p, rows.get(p.key), base_url, org_id) for p in PROVIDERS.values()]


async def set_secret(
    session: AsyncSession,
    org_id: str,
    provider_key: str,
    secret: str | None,
    *,
    server_key: str,
    base_url: str,
    is_admin: bool,
) -> dict[str, Any]:
    """Set (or generate, when ``secret`` is None) the provider's secret. A generated secret is returned
    once, in this answer."""
    provider = provider_or_404(provider_key)
    if not is_admin:
        raise Forbidden(ADMIN_ONLY, code="role_required")
    generated = secret is None
    if secret is None:
        secret = random.token_hex(32)
    if secret != secret.strip() or not MIN_SECRET <= len(secret) <= MAX_SECRET:
        raise BadRequest(
            f"Invalid 'secret': {MIN_SECRET} to {MAX_SECRET} characters, without surrounding spaces",
            code="validation_error",
        )
    repo = WebhookRepository(session, org_id)
    row = await repo.secret(provider.key)
    now = utcnow()
    if row is None:
        row = repo.add(
            WebhookSecret(provider=provider.key, created_at=now, updated_at=now, secret_encrypted="")
        )
    row.secret_encrypted = encrypt(server_key, secret)
    row.updated_at = now
    await session.flush()
    data = webhook_to_api(provider, row, base_url, org_id)
    if generated:
        data["secret"] = secret
    return data


async def remove_secret(session: AsyncSession, org_id: str, provider_key: str, *, is_admin: bool) -> None:
    provider = provider_or_404(provider_key)
    if not is_admin:
        raise Forbidden(ADMIN_ONLY, code="role_required")
    if not await WebhookRepository(session, org_id).remove(provider.key):
        raise NotFound(f"{provider.name} webhook is not configured", code="webhook_not_configured")


# -- provider project → Loop project -----------------------------------------------------------------------
def mapping_to_api(row: WebhookProjectMapping) -> dict[str, Any]:
    return {
        "id": row.id,
        "provider": row.provider,
        "external": row.external,
        "projectId": row.project_id,
        "createdAt": row.created_at,
    }


async def list_mappings(session: AsyncSession, org_id: str, provider: str | None) -> list[dict[str, Any]]:
    if provider is not None:
        provider_or_404(provider)
    return [mapping_to_api(row) for row in await WebhookRepository(session, org_id).mappings(provider)]


async def create_mapping(
    session: AsyncSession, org_id: str, *, provider: str, external: str, project_id: str
) -> dict[str, Any]:
    if provider not in PROVIDERS:
        raise BadRequest(f"Invalid 'provider' (allowed: {', '.join(PROVIDERS)})", code="validation_error")
    external = external.strip().lower()
    if not external:
        raise BadRequest("Invalid 'external': must not be blank", code="validation_error")
    if not await live_project(session, org_id, project_id):
        raise Unprocessable("Project not found", code="project_not_found")
    repo = WebhookRepository(session, org_id)
    if await repo.mapping_for(provider, external) is not None:
        raise Conflict(f"'{external}' is already mapped for {provider}", code="mapping_exists")
    row = WebhookProjectMapping(
        org_id=org_id, provider=provider, external=external, project_id=project_id, created_at=utcnow()
    )
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"'{external}' is already mapped for {provider}", code="mapping_exists") from exc
    return mapping_to_api(row)


async def delete_mapping(session: AsyncSession, org_id: str, mapping_id: str) -> None:
    row = await WebhookRepository(session, org_id).mapping(mapping_id)
    if row is None:
        raise NotFound(MAPPING_NOT_FOUND)
    await session.delete(row)
    await session.flush()


# -- receiving ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


async def receive(
    database: Database, provider_key: str, org_id: str | None, headers: Headers, body: bytes
) -> Answer:
    provider = PROVIDERS[provider_key]
    not_configured = NotFound(
        f"{provider.name} webhook is not configured for this organisation: set its secret with "
        f"PUT /api/webhooks/{provider.key} and use the URL it answers",
        code="webhook_not_configured",
    )
    if not org_id:
        raise NotFound(
            "The webhook URL must name the organisation: "
            f"/api/signals/{provider.key}?org=<organisation id> (GET /api/webhooks shows it)",
            code="webhook_not_configured",
        )
    async with database.read() as session:
        row = await WebhookRepository(session, org_id).secret(provider.key)
        secret = decrypt(database.secret_key, row.secret_encrypted) if row is not None else None
    if secret is None:
        raise not_configured
    if len(body) > MAX_BODY:
        raise PayloadTooLarge(f"Webhook body larger than {MAX_BODY // (1024 * 1024)} MiB")
    provider.verify(secret, headers, body, time.time())
    payload = _parse(body)
    try:
        outcome = provider.interpret(headers, payload)
        delivery = provider.delivery_id(headers, payload, body)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise BadRequest(
            f"The {provider.name} payload does not have the documented shape", code="invalid_payload"
        ) from exc
    if not isinstance(outcome, Actionable):
        return Answer(200, {"data": {"ignored": True, "event": outcome.event, "reason": outcome.reason}})
    async with database.write() as session:
        repo = WebhookRepository(session, org_id)
        recorded = None
        if delivery:
            recorded = await repo.record_delivery(provider.key, delivery[:200], outcome.event)
            if recorded is None:
                return Answer(200, {"data": {"duplicate": True, "deliveryId": delivery}})
        project_id = await repo.mapped_project(provider.key, outcome.project_keys)
        result = await service.ingest(
            session,
            org_id,
            service.SignalInput(
                source=provider.key,
                type=outcome.type,
                severity=outcome.severity,
                payload=payload,
                source_id=outcome.source_id,
                project_id=project_id,
                title=outcome.title,
                fingerprint=outcome.fingerprint,
                labels=outcome.labels,
            ),
        )
        if recorded is not None:
            await repo.attach_delivery(recorded, result.signal.id)
        return Answer(201, {"data": service.ingested_to_api(result)})


def _parse(body: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest("Malformed JSON in request body", code="invalid_json") from exc
    if not isinstance(payload, dict):
        raise BadRequest("The webhook body must be a JSON object", code="invalid_payload")
    return payload
