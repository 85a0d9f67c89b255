"""``/api/signals`` (ingest and read), ``/api/signals/settings``, ``/api/triage/rules``, ``/api/webhooks``
(secrets and project mappings) and the provider receivers ``/api/signals/{github,sentry,posthog}``.

The receivers take no token: the provider's signature over the raw body is their only authentication.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from loop.auth.principal import Principal
from loop.core.jsonresp import json_response
from loop.db.session import ReadSession, WriteSession, get_database
from loop.signals import service, triage, webhooks
from loop.signals.schemas import (
    Ingested,
    MappingCreate,
    MappingOut,
    SignalCreate,
    SignalOut,
    SignalSettingsOut,
    SignalSettingsUpdate,
    TriageRuleCreate,
    TriageRuleOut,
    TriageRuleUpdate,
    WebhookAck,
    WebhookOut,
    WebhookSecretSet,
    rule_values,
)
from loop.surfaces import engine

router = APIRouter(prefix="/api")

SignalsRead = Annotated[Principal, engine.requires("read:signal")]
SignalsWrite = Annotated[Principal, engine.requires("write:signal")]


def _base_url(request: Request) -> str:
    return request.app.state.settings.public_url or str(request.base_url)


# -- settings (before /signals/{id}) ------------------------------------------------------------------------
@router.get(
    "/signals/settings",
    response_model=engine.Data[SignalSettingsOut],
    tags=["Signals"],
    summary="Signal settings",
)
async def get_settings(principal: SignalsRead, session: ReadSession):
    return engine.one(await service.get_settings(session, principal.org_id))


@router.patch(
    "/signals/settings",
    response_model=engine.Data[SignalSettingsOut],
    tags=["Signals"],
    summary="Change the deduplication window",
)
async def update_settings(body: SignalSettingsUpdate, principal: SignalsWrite, session: WriteSession):
    return engine.one(
        await service.update_settings(session, principal.org_id, dedup_window_s=body.dedup_window_seconds)
    )


# -- signals ------------------------------------------------------------------------------------------------
@router.post(
    "/signals",
    status_code=201,
    response_model=engine.Data[Ingested],
    tags=["Signals"],
    summary="Ingest a signal",
    description="Stores the signal and, atomically, opens its triage issue (routed by the triage rules) or, "
    "for a repeat of an open issue's fingerprint within the deduplication window, adds one occurrence to it.",
)
async def ingest_signal(body: SignalCreate, principal: SignalsWrite, session: WriteSession):
    result = await service.ingest(
        session,
        principal.org_id,
        service.SignalInput(
            source=body.source,
            type=body.type,
            severity=body.severity,
            payload=body.payload,
            source_id=body.source_id,
            project_id=body.project_id,
            title=body.title,
            fingerprint=body.fingerprint,
            labels=tuple(label.strip() for label in body.labels if label.strip()),
        ),
    )
    return engine.one(service.ingested_to_api(result), 201)


@router.get("/signals", response_model=engine.Page[SignalOut], tags=["Signals"], summary="List signals")
async def list_signals(
    principal: SignalsRead,
    session: ReadSession,
    pagination: engine.Pagination,
    source: Annotated[str | None, Query(description="Comma-separated sources, e.g. sentry,github")] = None,
    type: Annotated[str | None, Query(description="Comma-separated types")] = None,
    severity: Annotated[str | None, Query(description="Comma-separated: low, medium, high, critical")] = None,
    issue_id: Annotated[str | None, Query(alias="issueId")] = None,
    project_id: Annotated[str | None, Query(alias="projectId")] = None,
    since: Annotated[datetime | None, Query(description="Received at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Received before (ISO 8601)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or the payload")] = None,
):
    filters = service.parse_filters(
        source=source, type=type, severity=severity, issue_id=issue_id, project_id=project_id,
        since=since, until=until, q=q,
    )  # fmt: skip
    items, total = await service.list_signals(
        session, principal.org_id, filters, limit=pagination.limit, offset=pagination.offset
    )
    return engine.page(items, total)


# -- provider receivers (no token: the signature is the authentication) --------------------------------------
def _receiver(provider: str):  # type: ignore[no-untyped-def]
    name = webhooks.PROVIDERS[provider].name
    header = webhooks.PROVIDERS[provider].signature_header

    async def receive(
        request: Request,
        org: Annotated[str | None, Query(description="The organisation id (from GET /api/webhooks)")] = None,
        x_loop_organisation: Annotated[
            str | None, Header(description="Alternative to ?org= for providers that send custom headers")
        ] = None,
    ):
        body = await request.body()
        answer = await webhooks.receive(
            get_database(request), provider, org or x_loop_organisation, request.headers, body
        )
        return json_response(answer.body, answer.status)

    receive.__name__ = f"receive_{provider}"
    router.add_api_route(
        f"/signals/{provider}",
        receive,
        methods=["POST"],
        status_code=201,
        tags=["Webhooks"],
        summary=f"{name} webhook",
        description=f"Authenticated by `{header}` only (no token). 201 with the signal and its issue; 200 "
        "for an event Loop does not act on (`ignored`) or a redelivery (`duplicate`).",
        response_model=engine.Data[Ingested],
        responses={
            200: {"model": engine.Data[WebhookAck], "description": "Acknowledged: ignored or duplicate"},
            400: {"description": "Malformed body"},
            401: {"description": "Missing or invalid signature, or a stale timestamp"},
            404: {"description": "Webhook not configured for this organisation"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
            }
        },
    )


for _provider in webhooks.PROVIDERS:
    _receiver(_provider)


@router.get(
    "/signals/{signal_id}", response_model=engine.Data[SignalOut], tags=["Signals"], summary="Get a signal"
)
async def get_signal(signal_id: str, principal: SignalsRead, session: ReadSession):
    return engine.one(service.signal_to_api(await service.get_signal(session, principal.org_id, signal_id)))


# -- triage rules -------------------------------------------------------------------------------------------
@router.get(
    "/triage/rules", response_model=engine.Page[TriageRuleOut], tags=["Triage"], summary="List triage rules"
)
async def list_rules(principal: SignalsRead, session: ReadSession):
    rules = [triage.rule_to_api(rule) for rule in await triage.list_rules(session, principal.org_id)]
    return engine.page(rules, len(rules))


@router.post(
    "/triage/rules",
    status_code=201,
    response_model=engine.Data[TriageRuleOut],
    tags=["Triage"],
    summary="Create a triage rule",
)
async def create_rule(body: TriageRuleCreate, principal: SignalsWrite, session: WriteSession):
    rule = await triage.create_rule(session, principal.org_id, rule_values(body), body.position)
    return engine.one(triage.rule_to_api(rule), 201)


@router.get(
    "/triage/rules/{rule_id}",
    response_model=engine.Data[TriageRuleOut],
    tags=["Triage"],
    summary="Get a rule",
)
async def get_rule(rule_id: str, principal: SignalsRead, session: ReadSession):
    return engine.one(triage.rule_to_api(await triage.get_rule(session, principal.org_id, rule_id)))


@router.patch(
    "/triage/rules/{rule_id}",
    response_model=engine.Data[TriageRuleOut],
    tags=["Triage"],
    summary="Change a rule (match and action are replaced whole)",
)
async def update_rule(rule_id: str, body: TriageRuleUpdate, principal: SignalsWrite, session: WriteSession):
    position = body.position if "position" in body.model_fields_set else None
    rule = await triage.update_rule(session, principal.org_id, rule_id, rule_values(body), position)
    return engine.one(triage.rule_to_api(rule))


@router.delete(
    "/triage/rules/{rule_id}",
    status_code=204,
    response_class=Response,
    tags=["Triage"],
    summary="Delete a rule",
)
async def delete_rule(rule_id: str, principal: SignalsWrite, session: WriteSession):
    await triage.delete_rule(session, principal.org_id, rule_id)
    return Response(status_code=204)


# -- webhook configuration ----------------------------------------------------------------------------------
@router.get(
    "/webhooks", response_model=engine.Data[list[WebhookOut]], tags=["Webhooks"], summary="Webhook providers"
)
async def list_webhooks(request: Request, principal: SignalsRead, session: ReadSession):
    return engine.one(await webhooks.list_webhooks(session, principal.org_id, _base_url(request)))


@router.get(
    "/webhooks/mappings",
    response_model=engine.Page[MappingOut],
    tags=["Webhooks"],
    summary="Provider projects mapped to Loop projects",
)
async def list_mappings(
    principal: SignalsRead,
    session: ReadSession,
    provider: Annotated[str | None, Query(description="github, sentry or posthog")] = None,
):
    rows = await webhooks.list_mappings(session, principal.org_id, provider)
    return engine.page(rows, len(rows))


@router.post(
    "/webhooks/mappings",
    status_code=201,
    response_model=engine.Data[MappingOut],
    tags=["Webhooks"],
    summary="Map a provider project to a Loop project",
)
async def create_mapping(body: MappingCreate, principal: SignalsWrite, session: WriteSession):
    row = await webhooks.create_mapping(
        session, principal.org_id, provider=body.provider, external=body.external, project_id=body.project_id
    )
    return engine.one(row, 201)


@router.delete(
    "/webhooks/mappings/{mapping_id}",
    status_code=204,
    response_class=Response,
    tags=["Webhooks"],
    summary="Remove a mapping",
)
async def delete_mapping(mapping_id: str, principal: SignalsWrite, session: WriteSession):
    await webhooks.delete_mapping(session, principal.org_id, mapping_id)
    return Response(status_code=204)


@router.put(
    "/webhooks/{provider}",
    response_model=engine.Data[WebhookOut],
    tags=["Webhooks"],
    summary="Set a provider's webhook secret (owners and admins)",
)
async def set_secret(
    provider: str, body: WebhookSecretSet, request: Request, principal: SignalsWrite, session: WriteSession
):
    data = await webhooks.set_secret(
        session,
        principal.org_id,
        provider,
        body.secret,
        server_key=request.app.state.secret_key,
        base_url=_base_url(request),
        is_admin=principal.is_admin,
    )
    return engine.one(data)


@router.delete(
    "/webhooks/{provider}",
    status_code=204,
    response_class=Response,
    tags=["Webhooks"],
    summary="Remove a provider's secret (its endpoint stops accepting deliveries)",
)
async def remove_secret(provider: str, principal: SignalsWrite, session: WriteSession):
    await webhooks.remove_secret(session, principal.org_id, provider, is_admin=principal.is_admin)
    return Response(status_code=204)
