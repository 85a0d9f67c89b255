"""Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure-style gateways, vLLM, Ollama, llama.cpp,
LiteLLM…). The answer must be one JSON object that validates as a ``TicketDraft``; anything else, an HTTP
error or a timeout raises ``GenerationFailed``."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx2
import orjson
from pydantic import ValidationError

from loop.llm.base import Generated, GenerationFailed, SourceItem, TicketDraft

SYSTEM_PROMPT = """You are a senior software engineer triaging client feedback for a web agency.
Turn the feedback item or board card you are given (JSON) into ONE actionable developer ticket.

Answer with a single JSON object and nothing else:
{"title": string, "description": string, "priority": "low"|"medium"|"high"|"critical", "labels": [string]}

- title: imperative, specific, at most 100 characters (e.g. "Fix CTA button colour on iOS Safari").
- description: GitHub-flavoured markdown with these sections in order:
  "## Summary" (what is wrong or wanted, and for whom), "## Context" (page, browser/OS/device, reporter's
  words, relevant comments), "## Steps to Reproduce" (bugs only, when they can be inferred),
  "## Acceptance Criteria" (a checklist of testable outcomes, "- [ ] …").
- priority: critical = outage, data loss, security, payments or sign-in broken for users; high = a broken
  feature or a bug many users hit; medium = a degraded experience or a normal feature request;
  low = cosmetic issues, typos, nice-to-haves.
- labels: 1 to 6 short lowercase labels, e.g. bug, feature, mobile, ios, safari, ui, performance.
Use only facts from the input; do not invent URLs, versions or names."""

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "priority": {"type": "string", "enum": ["low", "medium", "high", "critical"]},
        "labels": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["title", "description", "priority", "labels"],
    "additionalProperties": False,
}
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S)


def parse_answer(content: Any) -> TicketDraft:
    if not isinstance(content, str) or not content.strip():
        raise GenerationFailed("empty answer")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise GenerationFailed("the answer is not JSON") from exc
    if not isinstance(data, dict):
        raise GenerationFailed("the answer is not a JSON object")
    try:
        return TicketDraft.model_validate(data)
    except ValidationError as exc:
        raise GenerationFailed(
            f"the answer does not match the ticket schema: {exc.errors()[0]['msg']}"
        ) from exc


class ChatCompletionsGenerator:
    provider = "openai_compatible"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        response_format: str = "json_schema",
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.response_format = response_format
        self.transport = transport

    def request_body(self, source: SourceItem) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": orjson.dumps(source.snapshot()).decode()},
            ],
        }
        if self.response_format == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "developer_ticket", "strict": True, "schema": _SCHEMA},
            }
        elif self.response_format == "json_object":
            body["response_format"] = {"type": "json_object"}
        return body

    async def generate(self, source: SourceItem) -> Generated:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        started = time.perf_counter()
        try:
            # One deadline for the whole exchange: per-read timeouts alone let a trickling server run on.
            async with asyncio.timeout(self.timeout_s):
                async with httpx2.AsyncClient(
                    timeout=httpx2.Timeout(self.timeout_s), transport=self.transport
                ) as http:
                    response = await http.post(
                        f"{self.base_url}/chat/completions", json=self.request_body(source), headers=headers
                    )
        except TimeoutError as exc:
            raise GenerationFailed(f"no answer within {self.timeout_s:g}s") from exc
        except httpx2.TimeoutException as exc:
            raise GenerationFailed(f"no answer within {self.timeout_s:g}s") from exc
        except httpx2.HTTPError as exc:
            raise GenerationFailed(f"request failed: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise GenerationFailed(f"HTTP {response.status_code} from the provider")
        try:
            payload = response.json()
            message = payload["choices"][0]["message"]
            content = message.get("content")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise GenerationFailed("the provider's response is not a chat completion") from exc
        draft = parse_answer(content)
        usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else None
        details: dict[str, Any] = {
            "endpoint": self.base_url,
            "response_format": self.response_format,
            "duration_ms": round((time.perf_counter() - started) * 1000),
        }
        if usage:
            details["usage"] = {k: v for k, v in usage.items() if isinstance(v, int)}
        if isinstance(payload.get("model"), str):
            details["served_model"] = payload["model"]
        return Generated(draft=draft, provider=self.provider, model=self.model, details=details)
