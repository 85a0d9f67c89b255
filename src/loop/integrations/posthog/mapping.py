"""What PostHog deliveries mean to the engine.

A webhook destination posts ``{"event": {uuid, event, distinct_id, properties, timestamp, url},
"person": …, "project": {id, name, url}}`` (its default body plus ``project``). Recognised:

| payload | signal type | severity | fingerprint |
|---|---|---|---|
| event ``$insight_alert_firing`` (an insight alert) | ``alert.firing`` | high | the alert id |
| event ``$exception`` | ``exception`` | from ``$exception_level`` (fatal critical, error high, warning medium, else low); high without one | the exception's fingerprint or issue id |
| any other event the destination forwards | ``event`` | ``properties.severity`` or ``level`` when valid, else medium | the event name |
| the engine's metric shape ``{name or event.name, value, timeframe}`` | ``metric_change`` | by ``abs(value)``: ≥50 critical, ≥25 high, ≥10 medium, else low | the metric name |

Anything else is acknowledged and ignored.
"""

from __future__ import annotations

from typing import Any

from loop.integrations.common import Actionable, Headers, Ignored, Outcome, dig, obj, text

LEVELS = {"fatal": "critical", "critical": "critical", "error": "high", "high": "high", "warning": "medium",
          "medium": "medium", "info": "low", "low": "low", "debug": "low"}  # fmt: skip


def delivery_id(headers: Headers, payload: dict[str, Any], body: bytes) -> str | None:
    return text(dig(payload, "event", "uuid")) or None


def _project_keys(payload: dict[str, Any]) -> tuple[str, ...]:
    project = payload.get("project")
    keys = (text(dig(project, "id")), text(dig(project, "name"))) if isinstance(project, dict) else ()
    return tuple(key for key in keys if key)


def interpret(headers: Headers, payload: dict[str, Any]) -> Outcome:
    event = payload.get("event")
    if isinstance(event, dict) and text(event.get("event")):
        return _event(event, payload)
    name = text(dig(event, "name")) or text(payload.get("name"))
    if name and isinstance(payload.get("value"), (int, float)) and not isinstance(payload.get("value"), bool):
        return _metric(name, payload)
    return Ignored("unknown", "unsupported payload: expected a PostHog event or a metric alert")


def _event(event: dict[str, Any], payload: dict[str, Any]) -> Outcome:
    name = text(event.get("event"))
    properties = obj(event, "properties")
    keys = _project_keys(payload)
    if name == "$insight_alert_firing":
        alert = text(properties.get("alert_name"), "alert")
        insight = text(properties.get("insight_name"))
        alert_id = text(properties.get("alert_id")) or alert
        return Actionable(
            event=name,
            type="alert.firing",
            severity="high",
            title=f'PostHog: alert "{alert}" firing' + (f' on "{insight}"' if insight else ""),
            fingerprint=f"posthog:alert:{alert_id}",
            source_id=alert_id,
            project_keys=keys,
        )
    if name == "$exception":
        first = properties.get("$exception_list")
        first = first[0] if isinstance(first, list) and first and isinstance(first[0], dict) else {}
        kind = text(first.get("type")) or text(properties.get("$exception_type"), "Error")
        message = text(first.get("value")) or text(properties.get("$exception_message"))
        key = (
            text(properties.get("$exception_fingerprint"))
            or text(properties.get("$exception_issue_id"))
            or f"{kind}:{message}"
        )
        level = text(properties.get("$exception_level")).lower()
        return Actionable(
            event=name,
            type="exception",
            severity=LEVELS.get(level, "high") if level else "high",
            title=f"PostHog: {kind}" + (f": {message}" if message else ""),
            fingerprint=f"posthog:exception:{key}",
            source_id=text(event.get("uuid")) or None,
            project_keys=keys,
        )
    level = (text(properties.get("severity")) or text(properties.get("level"))).lower()
    message = text(properties.get("message")) or text(properties.get("title"))
    return Actionable(
        event=name,
        type="event",
        severity=LEVELS.get(level, "medium"),
        title=f"PostHog: {name}" + (f": {message}" if message else ""),
        fingerprint=f"posthog:event:{name}",
        source_id=text(event.get("uuid")) or None,
        project_keys=keys,
    )


def _metric(name: str, payload: dict[str, Any]) -> Outcome:
    change = payload["value"]
    size = abs(change)
    severity = "critical" if size >= 50 else "high" if size >= 25 else "medium" if size >= 10 else "low"
    timeframe = text(payload.get("timeframe"), "recent")
    shown = int(change) if float(change).is_integer() else round(change, 2)
    return Actionable(
        event="metric",
        type="metric_change",
        severity=severity,
        title=f"PostHog: {name} {shown}% ({timeframe})",
        fingerprint=f"posthog:metric:{name}",
        project_keys=_project_keys(payload),
    )
