"""``/api/templates`` (templates, versions, promote, preview, reviews) and ``POST /api/prompt-reviews``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from loop.auth.principal import Principal
from loop.core.jsonresp import json_response
from loop.db.session import ReadSession, WriteSession
from loop.prompts import hydrate, reviewing, service
from loop.prompts.schemas import (
    ReviewCreate,
    ReviewOut,
    TemplateCreate,
    TemplateDetail,
    TemplateOut,
    TemplateUpdate,
    VersionCreate,
    VersionOut,
)
from loop.surfaces import engine

router = APIRouter(prefix="/api/templates", tags=["Prompt templates"])
reviews_router = APIRouter(prefix="/api/prompt-reviews", tags=["Prompt reviews"])

TemplatesRead = Annotated[Principal, engine.requires("read:template")]
TemplatesWrite = Annotated[Principal, engine.requires("write:template")]
ReviewsWrite = Annotated[Principal, engine.requires("write:review")]


@router.get("", response_model=engine.Page[TemplateOut], summary="List prompt templates")
async def list_templates(principal: TemplatesRead, session: ReadSession, pagination: engine.Pagination):
    rows, total = await service.list_templates(
        session, principal.org_id, limit=pagination.limit, offset=pagination.offset
    )
    return engine.page([service.template_to_api(row) for row in rows], total)


@router.post("", status_code=201, response_model=engine.Data[TemplateOut], summary="Create a template")
async def create_template(body: TemplateCreate, principal: TemplatesWrite, session: WriteSession):
    template = await service.create_template(
        session,
        principal.org_id,
        slug=body.slug,
        name=body.name,
        description=body.description,
        conditions=body.conditions,
        specificity=body.specificity,
        project_id=body.project_id,
    )
    return engine.one(service.template_to_api(template), 201)


@router.get(
    "/preview/{issue_id}",
    summary="Preview the prompt dispatch would hand out for an issue",
    description="Unwrapped `{issue, template, version, prompt}` (and the same object under `data`). "
    "Claims nothing.",
)
async def preview(issue_id: str, request: Request, principal: TemplatesRead, session: ReadSession) -> Any:
    settings = request.app.state.settings
    out = await hydrate.preview(
        session,
        principal.org_id,
        issue_id,
        loop_url=settings.base_url,
        lease_seconds=settings.dispatch_lease_s,
    )
    return json_response({**out, "data": out})


@router.get("/{template_id}", response_model=engine.Data[TemplateDetail], summary="Get a template")
async def get_template(template_id: str, principal: TemplatesRead, session: ReadSession):
    return engine.one(await service.template_detail(session, principal.org_id, template_id))


@router.patch("/{template_id}", response_model=engine.Data[TemplateOut], summary="Update a template")
async def update_template(
    template_id: str, body: TemplateUpdate, principal: TemplatesWrite, session: WriteSession
):
    template = await service.update_template(session, principal.org_id, template_id, body.changes())
    return engine.one(service.template_to_api(template))


@router.delete("/{template_id}", status_code=204, response_class=Response, summary="Delete a template (soft)")
async def delete_template(template_id: str, principal: TemplatesWrite, session: WriteSession):
    await service.delete_template(session, principal.org_id, template_id)
    return Response(status_code=204)


@router.get(
    "/{template_id}/versions", response_model=engine.Page[VersionOut], summary="List versions (newest first)"
)
async def list_versions(
    template_id: str, principal: TemplatesRead, session: ReadSession, pagination: engine.Pagination
):
    rows, total = await service.list_versions(
        session, principal.org_id, template_id, limit=pagination.limit, offset=pagination.offset
    )
    return engine.page([service.version_to_api(row) for row in rows], total)


@router.post(
    "/{template_id}/versions",
    status_code=201,
    response_model=engine.Data[VersionOut],
    summary="Create a version (immutable; compiled first: a template that does not compile is refused)",
)
async def create_version(
    template_id: str, body: VersionCreate, principal: TemplatesWrite, session: WriteSession
):
    version = await service.create_version(
        session,
        principal.org_id,
        template_id,
        content=body.content,
        author_type=body.author_type,
        author_name=body.author_name,
        changelog=body.changelog,
    )
    return engine.one(service.version_to_api(version), 201)


@router.post(
    "/{template_id}/versions/{version_id}/promote",
    response_model=engine.Data[VersionOut],
    summary="Make a version active (the previous one is retired; promoting it again rolls back)",
)
async def promote_version(
    template_id: str, version_id: str, principal: TemplatesWrite, session: WriteSession
):
    version = await service.promote_version(session, principal.org_id, template_id, version_id)
    return engine.one(service.version_to_api(version))


@router.get(
    "/{template_id}/reviews",
    response_model=engine.Page[ReviewOut],
    summary="Reviews of every version of a template (newest first)",
)
async def list_reviews(
    template_id: str, principal: TemplatesRead, session: ReadSession, pagination: engine.Pagination
):
    rows, total = await service.list_reviews(
        session, principal.org_id, template_id, limit=pagination.limit, offset=pagination.offset
    )
    return engine.page([service.review_to_api(row) for row in rows], total)


@reviews_router.post(
    "", status_code=201, response_model=engine.Data[ReviewOut], summary="Review the prompt an agent received"
)
async def create_review(body: ReviewCreate, principal: ReviewsWrite, session: WriteSession):
    review = await reviewing.create_review(
        session,
        principal,
        version_id=body.version_id,
        issue_id=body.issue_id,
        clarity=body.clarity,
        completeness=body.completeness,
        relevance=body.relevance,
        feedback=body.feedback,
        author_type=body.author_type,
    )
    return engine.one(service.review_to_api(review), 201)
