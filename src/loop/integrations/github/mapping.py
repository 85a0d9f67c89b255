"""What GitHub events mean to the engine. The event name comes from ``X-GitHub-Event``; the payload's
``action`` and state refine it. Failures and alerts become signals; everything else is acknowledged.

| event | becomes a signal when | severity | fingerprint (repeats join one issue) |
|---|---|---|---|
| workflow_run | completed with failure / timed_out / startup_failure | high on the default branch, else low | repo + workflow + branch |
| check_run | completed with failure / timed_out | high on the default branch, else low | repo + check name + branch |
| check_suite | completed with failure / timed_out | high on the default branch, else low | repo + app + branch |
| deployment_status | state failure / error | high for production-like environments, else medium | repo + environment |
| code_scanning_alert | created / reopened / appeared_in_branch / reopened_by_user | the rule's security severity, else error high, warning medium, note low | repo + alert number |
| dependabot_alert | created / reopened / reintroduced | the advisory's severity | repo + alert number |
| secret_scanning_alert | created / reopened | critical | repo + alert number |
| issues | opened / reopened / labeled with a bug label | high with an urgent label, else medium | repo + issue number |
"""

from __future__ import annotations

import re
from typing import Any

from loop.integrations.common import Actionable, Headers, Ignored, Outcome, dig, obj, text

FAILED = frozenset({"failure", "timed_out", "startup_failure"})
# Events GitHub sends that the engine deliberately does not act on.
IGNORED_EVENTS = frozenset(
    {
        "ping", "push", "pull_request", "pull_request_review", "pull_request_review_comment",
        "pull_request_review_thread", "issue_comment", "commit_comment", "create", "delete", "fork", "star",
        "watch", "release", "label", "member", "public", "repository", "status", "deployment", "gollum",
        "discussion", "discussion_comment", "milestone", "project", "project_card", "project_column",
        "workflow_job", "workflow_dispatch", "merge_group", "meta", "branch_protection_rule",
    }
)  # fmt: skip
BUG_LABEL = re.compile(r"(^|[^a-z])(bug|regression|defect|incident)([^a-z]|$)")
URGENT_LABEL = re.compile(
    r"(^|[^a-z0-9])(critical|urgent|blocker|p0|p1|sev ?[01]|severity:? ?(critical|high))([^a-z0-9]|$)"
)
PRODUCTION = frozenset({"production", "prod", "live", "github-pages"})
ADVISORY_SEVERITY = {
    "critical": "critical",
    "high": "high",
    "moderate": "medium",
    "medium": "medium",
    "low": "low",
}
RULE_SEVERITY = {"error": "high", "warning": "medium", "note": "low"}


def delivery_id(headers: Headers, payload: dict[str, Any], body: bytes) -> str | None:
    return headers.get("x-github-delivery") or None


def interpret(headers: Headers, payload: dict[str, Any]) -> Outcome:
    event = headers.get("x-github-event") or ""
    if not event:
        return Ignored("unknown", "no X-GitHub-Event header")
    handler = HANDLERS.get(event)
    if handler is not None:
        return handler(event, payload)
    if event in IGNORED_EVENTS:
        return Ignored(event, "ping" if event == "ping" else "event not acted on")
    return Ignored(event, "unsupported event")


def _repo(payload: dict[str, Any]) -> str:
    obj(payload, "repository")
    return text(dig(payload, "repository", "full_name"), "unknown repository")


def _ci_severity(payload: dict[str, Any], branch: str) -> str:
    default = text(dig(payload, "repository", "default_branch"))
    return "high" if branch and branch == default else "low"


def _workflow_run(event: str, payload: dict[str, Any]) -> Outcome:
    run = obj(payload, "workflow_run")
    conclusion = text(dig(run, "conclusion"))
    if payload.get("action") != "completed" or conclusion not in FAILED:
        return Ignored(event, "workflow run did not fail")
    repo, branch = _repo(payload), text(run.get("head_branch"), "(detached)")
    name = text(run.get("name"), "workflow")
    number = text(run.get("run_number"))
    return Actionable(
        event=event,
        type=f"workflow_run.{conclusion}",
        severity=_ci_severity(payload, branch),
        title=f'GitHub: workflow "{name}" {_failed(conclusion)} on {branch} in {repo}'
        + (f" (run #{number})" if number else ""),
        fingerprint=f"github:workflow_run:{repo}:{text(run.get('workflow_id'), name)}:{branch}",
        source_id=text(run.get("id")) or None,
        project_keys=(repo,),
    )


def _check_run(event: str, payload: dict[str, Any]) -> Outcome:
    check = obj(payload, "check_run")
    conclusion = text(dig(check, "conclusion"))
    if payload.get("action") != "completed" or conclusion not in FAILED:
        return Ignored(event, "check run did not fail")
    repo = _repo(payload)
    branch = text(dig(check, "check_suite", "head_branch"), "(detached)")
    name = text(check.get("name"), "check")
    return Actionable(
        event=event,
        type=f"check_run.{conclusion}",
        severity=_ci_severity(payload, branch),
        title=f'GitHub: check "{name}" {_failed(conclusion)} on {branch} in {repo}',
        fingerprint=f"github:check_run:{repo}:{name}:{branch}",
        source_id=text(check.get("id")) or None,
        project_keys=(repo,),
    )


def _check_suite(event: str, payload: dict[str, Any]) -> Outcome:
    suite = obj(payload, "check_suite")
    conclusion = text(dig(suite, "conclusion"))
    if payload.get("action") != "completed" or conclusion not in FAILED:
        return Ignored(event, "check suite did not fail")
    repo = _repo(payload)
    branch = text(suite.get("head_branch"), "(detached)")
    app = text(dig(suite, "app", "slug")) or text(dig(suite, "app", "name"), "checks")
    return Actionable(
        event=event,
        type=f"check_suite.{conclusion}",
        severity=_ci_severity(payload, branch),
        title=f"GitHub: {app} checks {_failed(conclusion)} on {branch} in {repo}",
        fingerprint=f"github:check_suite:{repo}:{app}:{branch}",
        source_id=text(suite.get("id")) or None,
        project_keys=(repo,),
    )


def _deployment_status(event: str, payload: dict[str, Any]) -> Outcome:
    status = obj(payload, "deployment_status")
    state = text(status.get("state"))
    if state not in ("failure", "error"):
        return Ignored(event, f"deployment {state or 'status'} is not a failure")
    repo = _repo(payload)
    environment = text(status.get("environment")) or text(
        dig(payload, "deployment", "environment"), "unknown"
    )
    production = environment.lower() in PRODUCTION
    return Actionable(
        event=event,
        type=f"deployment_status.{state}",
        severity="high" if production else "medium",
        title=f"GitHub: deployment to {environment} failed in {repo}",
        fingerprint=f"github:deployment:{repo}:{environment}",
        source_id=text(status.get("id")) or None,
        project_keys=(repo,),
    )


def _code_scanning_alert(event: str, payload: dict[str, Any]) -> Outcome:
    if payload.get("action") not in ("created", "reopened", "appeared_in_branch", "reopened_by_user"):
        return Ignored(event, f"alert {payload.get('action') or 'change'} needs no new work")
    alert = obj(payload, "alert")
    rule = obj(alert, "rule")
    severity = ADVISORY_SEVERITY.get(text(rule.get("security_severity_level")).lower()) or RULE_SEVERITY.get(
        text(rule.get("severity")).lower(), "medium"
    )
    repo, number = _repo(payload), text(alert.get("number"), "?")
    description = text(rule.get("description")) or text(rule.get("name")) or text(rule.get("id"), "alert")
    return Actionable(
        event=event,
        type="code_scanning_alert",
        severity=severity,
        title=f"GitHub: code scanning alert #{number} in {repo}: {description}",
        fingerprint=f"github:code_scanning_alert:{repo}:{number}",
        source_id=number,
        project_keys=(repo,),
    )


def _dependabot_alert(event: str, payload: dict[str, Any]) -> Outcome:
    if payload.get("action") not in ("created", "reopened", "reintroduced"):
        return Ignored(event, f"alert {payload.get('action') or 'change'} needs no new work")
    alert = obj(payload, "alert")
    raw = text(dig(alert, "security_advisory", "severity")) or text(
        dig(alert, "security_vulnerability", "severity")
    )
    repo, number = _repo(payload), text(alert.get("number"), "?")
    package = text(dig(alert, "dependency", "package", "name")) or text(
        dig(alert, "security_vulnerability", "package", "name"), "a dependency"
    )
    summary = text(dig(alert, "security_advisory", "summary"), "vulnerable dependency")
    return Actionable(
        event=event,
        type="dependabot_alert",
        severity=ADVISORY_SEVERITY.get(raw.lower(), "high"),
        title=f"GitHub: Dependabot alert #{number} in {repo}: {summary} ({package})",
        fingerprint=f"github:dependabot_alert:{repo}:{number}",
        source_id=number,
        project_keys=(repo,),
    )


def _secret_scanning_alert(event: str, payload: dict[str, Any]) -> Outcome:
    if payload.get("action") not in ("created", "reopened"):
        return Ignored(event, f"alert {payload.get('action') or 'change'} needs no new work")
    alert = obj(payload, "alert")
    repo, number = _repo(payload), text(alert.get("number"), "?")
    kind = text(alert.get("secret_type_display_name")) or text(alert.get("secret_type"), "secret")
    return Actionable(
        event=event,
        type="secret_scanning_alert",
        severity="critical",
        title=f"GitHub: secret scanning alert #{number} in {repo}: {kind} exposed",
        fingerprint=f"github:secret_scanning_alert:{repo}:{number}",
        source_id=number,
        project_keys=(repo,),
    )


def _issues(event: str, payload: dict[str, Any]) -> Outcome:
    action = payload.get("action")
    issue = obj(payload, "issue")
    labels = tuple(
        text(dig(label, "name")) for label in issue.get("labels") or [] if text(dig(label, "name"))
    )
    if action == "labeled":
        if not BUG_LABEL.search(text(dig(payload, "label", "name")).lower()):
            return Ignored(event, "label is not a bug label")
    elif action in ("opened", "reopened"):
        if not any(BUG_LABEL.search(label.lower()) for label in labels):
            return Ignored(event, "issue has no bug label")
    else:
        return Ignored(event, f"issue {action or 'change'} needs no new work")
    repo, number = _repo(payload), text(issue.get("number"), "?")
    urgent = any(URGENT_LABEL.search(label.lower()) for label in labels)
    return Actionable(
        event=event,
        type="issues.bug",
        severity="high" if urgent else "medium",
        title=f"GitHub: bug #{number} in {repo}: {text(issue.get('title'), 'untitled')}",
        fingerprint=f"github:issue:{repo}:{number}",
        source_id=number,
        labels=labels,
        project_keys=(repo,),
    )


def _failed(conclusion: str) -> str:
    return {"timed_out": "timed out", "startup_failure": "failed to start"}.get(conclusion, "failed")


HANDLERS = {
    "workflow_run": _workflow_run,
    "check_run": _check_run,
    "check_suite": _check_suite,
    "deployment_status": _deployment_status,
    "code_scanning_alert": _code_scanning_alert,
    "dependabot_alert": _dependabot_alert,
    "secret_scanning_alert": _secret_scanning_alert,
    "issues": _issues,
}
