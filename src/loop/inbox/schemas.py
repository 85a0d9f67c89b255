"""Request and response models of the inbox surface (they validate types and document OpenAPI; the rules
live in the services)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from loop.surfaces.inbox import DraftModel, PageMeta, ReportModel

MAX_RECIPIENTS = 100
MAX_ATTACHMENTS = 50


# -- drafts ---------------------------------------------------------------------------------------------
class AddressIn(DraftModel):
    address: str = Field(max_length=320, description="Email address")
    name: str | None = Field(None, max_length=200, description="Display name")


class AttachmentIn(DraftModel):
    filename: str = Field(min_length=1, max_length=255)
    base64_data: str = Field(description="The file, base64-encoded")
    content_type: str | None = Field(
        None, max_length=255, description="MIME type; guessed from the file name when absent"
    )


def _unwrap(data: Any) -> Any:
    # {"drafts": {...}} as documented, or the same object unwrapped
    if isinstance(data, dict) and isinstance(data.get("drafts"), dict):
        return data["drafts"]
    return data


class _DraftFields(DraftModel):
    subject: str | None = Field(None, max_length=998)
    body: str | None = Field(None, max_length=2_000_000, description="HTML or plain text")
    from_field: AddressIn | None = Field(
        None, description="Sender; defaults to LOOP_SMTP_FROM, then the acting user's email"
    )
    to_fields: list[AddressIn] | None = Field(None, max_length=MAX_RECIPIENTS)
    cc_fields: list[AddressIn] | None = Field(None, max_length=MAX_RECIPIENTS)
    bcc_fields: list[AddressIn] | None = Field(None, max_length=MAX_RECIPIENTS)
    attachments: list[AttachmentIn] | None = Field(
        None, max_length=MAX_ATTACHMENTS, description="Replaces the draft's attachments when given"
    )
    references: list[str] | None = Field(
        None, max_length=100, description="Message-IDs this email replies to (In-Reply-To / References)"
    )
    team: str | None = Field(None, max_length=100)
    add_users: list[str] | None = Field(None, max_length=100, description="Teammates (user ids) to add")
    add_shared_labels: list[str] | None = Field(None, max_length=100, description="Labels (tag ids) to add")
    remove_shared_labels: list[str] | None = Field(None, max_length=100)
    send: bool | None = Field(None, description="Send now (through the configured SMTP server)")
    send_at: int | None = Field(None, ge=0, description="Send at this time (epoch seconds)")
    client_id: str | None = Field(None, max_length=36, description="Loop extension: the client it concerns")

    @field_validator("references", "add_users", "add_shared_labels", "remove_shared_labels")
    @classmethod
    def _short_strings(cls, values: list[str] | None) -> list[str] | None:
        if values is not None and any(len(v) > 998 for v in values):
            raise ValueError("items must be at most 998 characters")
        return values


class DraftCreate(_DraftFields):
    conversation: str | None = Field(None, max_length=100, description="Add the draft to this conversation")
    organization: str | None = Field(None, description="Accepted for compatibility; the token's organisation")
    conversation_subject: str | None = Field(None, max_length=998)

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        return _unwrap(data)


class DraftUpdate(_DraftFields):
    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        return _unwrap(data)


class DraftFromSource(DraftModel):
    """Optional changes to a draft made from a feedback item or an invoice (body wrapped in ``{"drafts": …}``
    or not)."""

    message: str | None = Field(
        None,
        max_length=100_000,
        description="Your words (plain text): open the reply to feedback, or precede the invoice text",
    )
    subject: str | None = Field(None, max_length=998, description="Replaces the generated subject")
    from_field: AddressIn | None = None
    cc_fields: list[AddressIn] | None = Field(None, max_length=MAX_RECIPIENTS)
    bcc_fields: list[AddressIn] | None = Field(None, max_length=MAX_RECIPIENTS)
    send: bool | None = Field(None, description="Send now (through the configured SMTP server)")
    send_at: int | None = Field(None, ge=0, description="Send at this time (epoch seconds)")

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        return _unwrap(data)


class AddressOut(DraftModel):
    address: str
    name: str | None = None


class AttachmentOut(DraftModel):
    id: str
    filename: str
    content_type: str
    size: int


class DraftOut(DraftModel):
    id: str
    conversation: str
    subject: str | None
    body: str | None
    from_field: AddressOut | None
    to_fields: list[AddressOut]
    cc_fields: list[AddressOut]
    bcc_fields: list[AddressOut]
    attachments: list[AttachmentOut]
    references: list[str]
    team: str | None
    users: list[str]
    shared_labels: list[str]
    client_id: str | None
    link: dict[str, str] | None
    author: str | None
    status: Literal["draft", "scheduled", "queued", "sending", "sent", "failed"]
    send_at: int | None
    sent_at: int | None
    message_id: str | None
    error: str | None
    created_at: int
    updated_at: int


class DraftEnvelope(DraftModel):
    drafts: DraftOut


class DraftList(DraftModel):
    drafts: list[DraftOut]
    meta: PageMeta


class DraftDeleted(DraftModel):
    id: str
    deleted: bool


class DraftDeletedEnvelope(DraftModel):
    drafts: DraftDeleted


# -- report exports -------------------------------------------------------------------------------------
class ExportRequest(ReportModel):
    timezone: str | None = Field(None, description="IANA time zone for the times in the file; UTC by default")
    start: int = Field(ge=0, description="Window start (epoch seconds, inclusive)")
    end: int = Field(ge=0, description="Window end (epoch seconds, exclusive)")
    result_format: Literal["Json", "Xlsx"] | None = Field(None, description="Json (default) or Xlsx")
    tag_ids: list[str] | None = None
    team_ids: list[str] | None = None
    teammate_ids: list[str] | None = None
    customer_ids: list[str] | None = None

    @field_validator("result_format", mode="before")
    @classmethod
    def _format_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"json": "Json", "xlsx": "Xlsx"}.get(value.lower(), value)
        return value


class ExportResult(ReportModel):
    id: str
    status: Literal["Processing", "Completed", "Failed", "Expired"]
    url: str | None = Field(description="Signed download link, while the export is Completed")
    result_format: str
    created_at: str
    completed_at: str | None
    expires_at: str | None
    row_count: int | None
    error: str | None
