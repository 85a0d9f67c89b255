"""What Sentry webhooks mean to the engine. The resource comes from ``Sentry-Hook-Resource``.

| resource | becomes a signal when | severity | fingerprint |
|---|---|---|---|
| issue | created; unresolved (regressed, escalating, …) | from the level (fatal critical, error high — critical from 100 events —, warning medium, else low); one step higher when regressed or escalating | the Sentry issue id |
| event_alert | triggered | from the event's level | the Sentry issue id |
| error | created | from the error's level | the Sentry issue id |
| metric_alert | critical / warning | critical / medium | the alert rule id |

Issue, error and issue-alert signals of one Sentry issue share a fingerprint, so they join one Loop issue.
"""

from __future__ import annotations

from typing import Any

from loop.integrations.common import Actionable, Headers, Ignored, Outcome, dig, obj, raise_severity, text

LEVELS = {"fatal": "critical", "error": "high", "warning": "medium", "info": "low", "debug": "low"}
IGNORED_RESOURCES = frozenset({"installation", "comment", "seer", "preprod_artifact"})


def delivery_id(headers: Headers, payload: dict[str, Any], body: bytes) -> str | None:
    return headers.get("request-id") or None


def interpret(headers: Headers, payload: dict[str, Any]) -> Outcome:
    resource = (headers.get("sentry-hook-resource") or "").strip()
    handler = HANDLERS.get(resource)
    if handler is not None:
        return handler(resource, payload)
    if resource in IGNORED_RESOURCES:
        return Ignored(resource, "event not acted on")
    return Ignored(resource or "unknown", "unsupported event")


def _severity(level: str, count: int = 1) -> str:
    severity = LEVELS.get(level.lower(), "low") if level else "high"
    if severity == "high" and count >= 100:
        return "critical"
    return severity


def _count(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 1


def _project_keys(project: Any) -> tuple[str, ...]:
    if isinstance(project, dict):
        return tuple(key for key in (text(project.get("slug")), text(project.get("id"))) if key)
    key = text(project)
    return (key,) if key else ()


def _issue(resource: str, payload: dict[str, Any]) -> Outcome:
    action = payload.get("action")
    issue = obj(obj(payload, "data"), "issue")
    if action == "created":
        kind = "created"
    elif action == "unresolved":
        kind = text(issue.get("substatus")) or "unresolved"
    else:
        return Ignored(resource, f"issue {action or 'change'} needs no new work")
    issue_id = text(issue.get("id"))
    severity = _severity(text(issue.get("level")), _count(issue.get("count", 1)))
    if kind in ("regressed", "escalating"):
        severity = raise_severity(severity)
    title = text(issue.get("title"), "Unknown error")
    short_id = text(issue.get("shortId"))
    detail = ", ".join(part for part in (short_id, kind if kind != "created" else "") if part)
    return Actionable(
        event=f"{resource}.{action}",
        type=f"issue.{kind}",
        severity=severity,
        title=f"Sentry: {title}" + (f" ({detail})" if detail else ""),
        fingerprint=f"sentry:issue:{issue_id}" if issue_id else None,
        source_id=issue_id or None,
        project_keys=_project_keys(issue.get("project")),
    )


def _event_alert(resource: str, payload: dict[str, Any]) -> Outcome:
    if payload.get("action") != "triggered":
        return Ignored(resource, "alert was not triggered")
    event = obj(obj(payload, "data"), "event")
    issue_id = text(event.get("issue_id"))
    rule = text(dig(payload, "data", "triggered_rule"))
    title = text(event.get("title")) or text(event.get("message"), "Unknown error")
    return Actionable(
        event=f"{resource}.triggered",
        type="event_alert",
        severity=_severity(text(event.get("level"))),
        title=f"Sentry: {title}" + (f' (alert "{rule}")' if rule else ""),
        fingerprint=f"sentry:issue:{issue_id}" if issue_id else None,
        source_id=issue_id or text(event.get("event_id")) or None,
        project_keys=_project_keys(event.get("project")),
    )


def _error(resource: str, payload: dict[str, Any]) -> Outcome:
    if payload.get("action") != "created":
        return Ignored(resource, f"error {payload.get('action') or 'change'} needs no new work")
    error = obj(obj(payload, "data"), "error")
    issue_id = text(error.get("issue_id"))
    title = text(error.get("title")) or text(error.get("message"), "Unknown error")
    return Actionable(
        event=f"{resource}.created",
        type="error",
        severity=_severity(text(error.get("level"))),
        title=f"Sentry: {title}",
        fingerprint=f"sentry:issue:{issue_id}" if issue_id else None,
        source_id=issue_id or text(error.get("event_id")) or None,
        project_keys=_project_keys(error.get("project")),
    )


def _metric_alert(resource: str, payload: dict[str, Any]) -> Outcome:
    action = payload.get("action")
    if action not in ("critical", "warning"):
        return Ignored(resource, f"metric alert {action or 'change'} needs no new work")
    data = obj(payload, "data")
    rule = obj(obj(data, "metric_alert"), "alert_rule")
    rule_id = text(rule.get("id"))
    title = text(data.get("description_title")) or text(rule.get("name"), "Metric alert")
    projects = rule.get("projects") if isinstance(rule.get("projects"), list) else []
    return Actionable(
        event=f"{resource}.{action}",
        type=f"metric_alert.{action}",
        severity="critical" if action == "critical" else "medium",
        title=f"Sentry: {title}",
        fingerprint=f"sentry:metric_alert:{rule_id}" if rule_id else None,
        source_id=text(dig(data, "metric_alert", "id")) or rule_id or None,
        project_keys=tuple(text(project) for project in projects if text(project)),
    )


HANDLERS = {
    "issue": _issue,
    "event_alert": _event_alert,
    "error": _error,
    "metric_alert": _metric_alert,
}
