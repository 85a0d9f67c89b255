"""Resource groups. Each method returns the decoded resource (the ``data`` envelope removed); on the async client
the same methods are coroutines and ``iter`` yields asynchronously.

Return shapes are plain dicts with the server's field names (camelCase on the engine, track and invoice
surfaces; snake_case on the developer API and drafts); ``docs/engine.md``, ``docs/developer-api.md``,
``docs/track-and-invoices.md`` and ``docs/inbox.md`` describe every field.
"""

from __future__ import annotations

from typing import Any

from loop.client._core import DEVELOPER, DRAFTS, ENGINE, TRACK

Json = dict[str, Any]


def _body(fields: dict[str, Any], extra: dict[str, Any] | None = None) -> Json:
    """Keyword arguments left at ``None`` are not sent; pass ``extra`` to send explicit nulls or other fields."""
    out = {k: v for k, v in fields.items() if v is not None}
    out.update(extra or {})
    return out


class _Resource:
    def __init__(self, transport: Any) -> None:
        self._t = transport


class _Crud(_Resource):
    """Engine-style CRUD: ``{data}`` items, ``{data, total}`` lists with ``limit``/``offset``."""

    path = ""
    paging = ENGINE

    def list(self, **params: Any) -> Any:
        """One page: the whole ``{data: [...], total}`` (or ``{data, meta}``) body."""
        return self._t.request("GET", self.path, params=params)

    def iter(self, *, page_size: int | None = None, **params: Any) -> Any:
        """Every item, page after page."""
        return self._t.paginate(self.path, params, self.paging, page_size)

    def get(self, id: str) -> Any:
        return self._t.request("GET", f"{self.path}/{id}", unwrap="data")

    def create(self, *, idempotency_key: str | None = None, **fields: Any) -> Any:
        return self._t.request(
            "POST", self.path, json=_body(fields), unwrap="data", idempotency_key=idempotency_key
        )

    def update(self, id: str, **fields: Any) -> Any:
        """PATCH: only the fields given are sent (pass ``field=None`` inside ``clear=[...]`` to null one)."""
        clear = fields.pop("clear", None) or []
        return self._t.request(
            "PATCH", f"{self.path}/{id}", json=_body(fields, dict.fromkeys(clear)), unwrap="data"
        )

    def delete(self, id: str) -> Any:
        return self._t.request("DELETE", f"{self.path}/{id}", unwrap="data")


# engine -------------------------------------------------------------------------------------------------------
class Issues(_Crud):
    """``/api/issues``. Issue: ``{id, number, title, description, type, status, priority, parentId, projectId,
    hypothesis, agentSummary, commits, pullRequests, completedAt, createdAt, updatedAt, …}``; ``get`` adds
    ``parent``, ``children``, ``labels``, ``relations``, ``commentCount``.
    List filters: ``status``, ``type`` (lists or comma strings), ``projectId``, ``labelId``, ``parentId``,
    ``priority``, ``noParent``, ``q``, ``sort``, ``includeDeleted``."""

    path = "/api/issues"

    def close(self, id: str, *, canceled: bool = False) -> Any:
        return self.update(id, status="canceled" if canceled else "done")

    def add_labels(self, id: str, label_ids: list[str]) -> Any:
        return self._t.request(
            "POST", f"{self.path}/{id}/labels", json={"labelIds": label_ids}, unwrap="data"
        )

    def remove_label(self, id: str, label_id: str) -> Any:
        return self._t.request("DELETE", f"{self.path}/{id}/labels/{label_id}")


class Comments(_Resource):
    """Engine comments: ``{id, body, issueId, authorName, authorType, parentId, createdAt, replies: [...]}``."""

    def list(self, issue_id: str, **params: Any) -> Any:
        return self._t.request("GET", f"/api/issues/{issue_id}/comments", params=params)

    def iter(self, issue_id: str, *, page_size: int | None = None) -> Any:
        return self._t.paginate(f"/api/issues/{issue_id}/comments", {}, ENGINE, page_size)

    def create(
        self, issue_id: str, body: str, *, author_name: str = "loop-cli", author_type: str = "human",
        parent_id: str | None = None,
    ) -> Any:  # fmt: skip
        payload = _body(
            {"body": body, "authorName": author_name, "authorType": author_type, "parentId": parent_id}
        )
        return self._t.request("POST", f"/api/issues/{issue_id}/comments", json=payload, unwrap="data")

    def update(self, comment_id: str, body: str) -> Any:
        return self._t.request("PATCH", f"/api/comments/{comment_id}", json={"body": body}, unwrap="data")

    def delete(self, comment_id: str) -> Any:
        return self._t.request("DELETE", f"/api/comments/{comment_id}")


class Relations(_Resource):
    """Issue relations: ``{id, type, issueId, relatedIssueId, direction, issue, createdAt}``."""

    def list(self, issue_id: str) -> Any:
        return self._t.request("GET", f"/api/issues/{issue_id}/relations", unwrap="data")

    def create(self, issue_id: str, type: str, related_issue_id: str) -> Any:
        payload = {"type": type, "relatedIssueId": related_issue_id}
        return self._t.request("POST", f"/api/issues/{issue_id}/relations", json=payload, unwrap="data")

    def delete(self, relation_id: str) -> Any:
        return self._t.request("DELETE", f"/api/relations/{relation_id}")


class Labels(_Crud):
    """``/api/labels``: ``{id, name, color, createdAt, deletedAt}``."""

    path = "/api/labels"


class Projects(_Crud):
    """Engine projects ``/api/projects``: ``{id, name, description, status, health, goalId, …}``; ``get`` adds
    ``goal``, ``goals`` and ``issueCounts``."""

    path = "/api/projects"


class Goals(_Crud):
    """``/api/goals``: ``{id, title, description, metric, targetValue, currentValue, unit, status, projectId, …}``."""

    path = "/api/goals"


class Signals(_Resource):
    """``/api/signals``: ``{id, source, sourceId, type, severity, title, payload, labels, fingerprint,
    duplicate, issueId, projectId, createdAt}``."""

    def ingest(
        self, *, source: str, type: str, severity: str, payload: dict[str, Any], source_id: str | None = None,
        project_id: str | None = None, idempotency_key: str | None = None, **extra: Any,
    ) -> Any:  # fmt: skip
        """Returns ``{signal, issue}``."""
        body = _body({"source": source, "type": type, "severity": severity, "payload": payload,
                      "sourceId": source_id, "projectId": project_id}, extra)  # fmt: skip
        return self._t.request(
            "POST", "/api/signals", json=body, unwrap="data", idempotency_key=idempotency_key
        )

    def list(self, **params: Any) -> Any:
        return self._t.request("GET", "/api/signals", params=params)

    def iter(self, *, page_size: int | None = None, **params: Any) -> Any:
        return self._t.paginate("/api/signals", params, ENGINE, page_size)

    def get(self, id: str) -> Any:
        return self._t.request("GET", f"/api/signals/{id}", unwrap="data")


class Dispatch(_Resource):
    """Dispatch. A claim answers ``{issue, prompt, meta, session}`` or ``None`` when no issue is ready (204).

    ``claim`` (``POST /api/dispatch/claim``) always sends an ``Idempotency-Key`` (a new one unless you give
    one), so a retried claim returns the same issue instead of claiming a second one; it is therefore retried
    like any safe request. ``next`` (``GET /api/dispatch/next``, the reference engine's form) is never retried.
    """

    def claim(
        self, *, project_id: str | None = None, labels: list[str] | None = None, agent_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:  # fmt: skip
        import uuid

        body = _body({"projectId": project_id, "labels": labels, "agentId": agent_id})
        return self._t.request(
            "POST", "/api/dispatch/claim", json=body, unwrap=_dispatch_body,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )  # fmt: skip

    def next(self, *, project_id: str | None = None) -> Any:
        return self._t.request(
            "GET", "/api/dispatch/next", params={"projectId": project_id}, retry=False, unwrap=_dispatch_body
        )

    def queue(self, **params: Any) -> Any:
        """One page: ``{data: [{issue, score, breakdown}], total}`` in claim order."""
        return self._t.request("GET", "/api/dispatch/queue", params=params)

    def iter_queue(self, *, page_size: int | None = None, **params: Any) -> Any:
        return self._t.paginate("/api/dispatch/queue", params, ENGINE, page_size)

    def heartbeat(self, issue_id: str) -> Any:
        """Renew the lease on a claimed issue; answers the session."""
        return self._t.request("POST", f"/api/dispatch/{issue_id}/heartbeat", unwrap="data")

    def release(self, issue_id: str, reason: str | None = None) -> Any:
        """Give a claimed issue back to the queue."""
        return self._t.request("POST", f"/api/dispatch/{issue_id}/release", json=_body({"reason": reason}),
                               unwrap="data")  # fmt: skip


def _dispatch_body(body: Any) -> Any:
    # The claim is at the top level (the engine's MCP clients) and under ``data`` (its SDK); accept both.
    if isinstance(body, dict) and "issue" not in body and isinstance(body.get("data"), dict):
        return body["data"]
    if isinstance(body, dict) and "issue" in body:
        return {k: v for k, v in body.items() if k != "data"}
    return body


class Templates(_Crud):
    """Prompt templates ``/api/templates``."""

    path = "/api/templates"

    def versions(self, id: str, **params: Any) -> Any:
        return self._t.request("GET", f"{self.path}/{id}/versions", params=params)

    def create_version(
        self, id: str, content: str, *, author_name: str = "loop-cli", author_type: str = "human",
        changelog: str | None = None,
    ) -> Any:  # fmt: skip
        """A new version; the first one becomes active, later ones are drafts until promoted."""
        body = _body({"content": content, "authorName": author_name, "authorType": author_type,
                      "changelog": changelog})  # fmt: skip
        return self._t.request("POST", f"{self.path}/{id}/versions", json=body, unwrap="data")

    def promote(self, id: str, version_id: str) -> Any:
        return self._t.request("POST", f"{self.path}/{id}/versions/{version_id}/promote", unwrap="data")

    def preview(self, issue_id: str) -> Any:
        return self._t.request("GET", f"{self.path}/preview/{issue_id}", unwrap=_dispatch_body)

    def reviews(self, id: str, **params: Any) -> Any:
        return self._t.request("GET", f"{self.path}/{id}/reviews", params=params)


class Reviews(_Resource):
    def create(self, **fields: Any) -> Any:
        """``versionId``, ``issueId``, ``clarity``, ``completeness``, ``relevance`` (1–5), ``feedback``,
        ``authorType``."""
        return self._t.request("POST", "/api/prompt-reviews", json=_body(fields), unwrap="data")


class Dashboard(_Resource):
    def stats(self) -> Any:
        return self._t.request("GET", "/api/dashboard/stats", unwrap="data")

    def activity(self, **params: Any) -> Any:
        return self._t.request("GET", "/api/dashboard/activity", params=params, unwrap="data")

    def prompts(self) -> Any:
        return self._t.request("GET", "/api/dashboard/prompts", unwrap="data")


# developer API ----------------------------------------------------------------------------------------------
class _DevCrud(_Crud):
    paging = DEVELOPER


class Feedback(_DevCrud):
    """``/api/v1/feedback``: ``{id, project_id, title, description, status, type, page_url, reporter_name, …}``.
    Filters: ``project_id``, ``status``, ``type``."""

    path = "/api/v1/feedback"


class Tickets(_DevCrud):
    """``/api/v1/tickets``: ``{id, project_id, source_type, source_id, title, description, priority, status,
    labels, ai_context, assigned_to, issue_id, …}``."""

    path = "/api/v1/tickets"

    def generate(self, source_type: str, source_id: str) -> Any:
        body = {"source_type": source_type, "source_id": source_id}
        return self._t.request("POST", f"{self.path}/generate", json=body, unwrap="data", timeout=120)


class BoardLists(_DevCrud):
    """``/api/v1/boards/lists``: ``{id, project_id, name, position, …}``; ``list`` needs ``project_id``."""

    path = "/api/v1/boards/lists"


class BoardCards(_DevCrud):
    """``/api/v1/boards/cards``: ``{id, list_id, project_id, title, description, labels, due_date, checklist,
    attachments, position, …}``; filter by ``project_id`` or ``list_id``."""

    path = "/api/v1/boards/cards"


class Boards(_Resource):
    def __init__(self, transport: Any) -> None:
        super().__init__(transport)
        self.lists = BoardLists(transport)
        self.cards = BoardCards(transport)


class Tokens(_DevCrud):
    """``/api/v1/tokens``: ``{id, name, prefix, scopes, expires_at, last_used_at, …}``; ``create`` answers the
    token itself once, under ``token``."""

    path = "/api/v1/tokens"

    def revoke(self, id: str) -> Any:
        return self.delete(id)


# track & invoices -----------------------------------------------------------------------------------------------
class TimeEntries(_Resource):
    """``/v1/track/time``: ``{id, taskName, durationSeconds, date, projectId, billable, tags, invoiced, …}``."""

    path = "/v1/track/time"

    def list(self, date: str, *, frequency: str | None = None, **params: Any) -> Any:
        """A bare list: entries of the day/week/month (``frequency``) around ``date`` (``YYYY-MM-DD``)."""
        return self._t.request("GET", self.path, params={"date": date, "frequency": frequency, **params})

    def get(self, id: str) -> Any:
        return self._t.request("GET", f"{self.path}/{id}")

    def create(self, *, task_name: str, duration_seconds: int, date: str, **fields: Any) -> Any:
        body = _body({"taskName": task_name, "durationSeconds": duration_seconds, "date": date, **fields})
        return self._t.request("POST", self.path, json=body, unwrap="time")

    def update(self, id: str, **fields: Any) -> Any:
        return self._t.request("PATCH", f"{self.path}/{id}", json=_body(fields), unwrap="time")

    def delete(self, id: str) -> Any:
        return self._t.request("DELETE", f"{self.path}/{id}")


class Invoices(_Resource):
    """``/v1/invoices``: ``{id, serialNumber, status, clientId, currency, subtotal, tax, total, amountPaid,
    balanceDue, lineItems, …}`` (money as decimal strings)."""

    path = "/v1/invoices"

    def list(self, **params: Any) -> Any:
        """One page: ``{data, pagination: {page, pageSize, total, totalPages}}``."""
        return self._t.request("GET", self.path, params=params)

    def iter(self, *, page_size: int | None = None, **params: Any) -> Any:
        return self._t.paginate(self.path, params, TRACK, page_size)

    def get(self, id: str) -> Any:
        return self._t.request("GET", f"{self.path}/{id}")

    def create(self, **fields: Any) -> Any:
        return self._t.request("POST", self.path, json=_body(fields), unwrap="invoice")

    def update(self, id: str, **fields: Any) -> Any:
        return self._t.request("PATCH", f"{self.path}/{id}", json=_body(fields), unwrap="invoice")

    def delete(self, id: str) -> Any:
        return self._t.request("DELETE", f"{self.path}/{id}")

    def set_status(self, id: str, status: str, **fields: Any) -> Any:
        body = _body({"status": status, **fields})
        return self._t.request("PATCH", f"{self.path}/{id}/status", json=body, unwrap="invoice")

    def add_line_item(self, id: str, **fields: Any) -> Any:
        return self._t.request("POST", f"{self.path}/{id}/line-items", json=_body(fields))

    def import_time(self, id: str, **fields: Any) -> Any:
        return self._t.request("POST", f"{self.path}/{id}/import-time", json=_body(fields))

    def send(self, id: str, **fields: Any) -> Any:
        return self._t.request("POST", f"{self.path}/{id}/send", json=_body(fields), unwrap="invoice")

    def pdf(self, id: str) -> Any:
        """The PDF as ``bytes``."""
        return self._t.request("GET", f"{self.path}/{id}/pdf", headers={"Accept": "application/pdf"})


class InvoiceClients(_Resource):
    path = "/v1/invoices/clients"

    def list(self, **params: Any) -> Any:
        return self._t.request("GET", self.path, params=params)

    def iter(self, *, page_size: int | None = None, **params: Any) -> Any:
        return self._t.paginate(self.path, params, TRACK, page_size)

    def get(self, id: str) -> Any:
        return self._t.request("GET", f"{self.path}/{id}")

    def create(self, **fields: Any) -> Any:
        return self._t.request("POST", self.path, json=_body(fields), unwrap="client")


# inbox ----------------------------------------------------------------------------------------------------------
class Drafts(_Resource):
    """``/v1/drafts``: ``{id, subject, body, from_field, to_fields, status, send_at, sent_at, …}``."""

    path = "/v1/drafts"

    def list(self, **params: Any) -> Any:
        """One page: ``{drafts: [...], meta: {total, limit, offset}}``."""
        return self._t.request("GET", self.path, params=params)

    def iter(self, *, page_size: int | None = None, **params: Any) -> Any:
        return self._t.paginate(self.path, params, DRAFTS, page_size)

    def get(self, id: str) -> Any:
        return self._t.request("GET", f"{self.path}/{id}", unwrap="drafts")

    def create(self, **fields: Any) -> Any:
        return self._t.request("POST", self.path, json={"drafts": _body(fields)}, unwrap="drafts")

    def update(self, id: str, **fields: Any) -> Any:
        return self._t.request("PATCH", f"{self.path}/{id}", json={"drafts": _body(fields)}, unwrap="drafts")

    def send(self, id: str) -> Any:
        return self.update(id, send=True)

    def delete(self, id: str) -> Any:
        return self._t.request("DELETE", f"{self.path}/{id}", unwrap="drafts")


class System(_Resource):
    def health(self) -> Any:
        return self._t.request("GET", "/health")

    def info(self) -> Any:
        return self._t.request("GET", "/")
