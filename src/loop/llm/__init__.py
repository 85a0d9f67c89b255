"""Ticket generation providers: the built-in deterministic generator and any OpenAI-compatible
chat-completions endpoint (``LOOP_LLM_BASE_URL`` + ``LOOP_LLM_MODEL``, optionally ``LOOP_LLM_API_KEY``)."""

from __future__ import annotations

from loop.config import Settings
from loop.llm.base import Generated, GenerationFailed, SourceComment, SourceItem, TicketDraft, TicketGenerator
from loop.llm.builtin import BuiltinGenerator
from loop.llm.openai_compat import ChatCompletionsGenerator


def get_generator(settings: Settings) -> TicketGenerator:
    if settings.llm_base_url and settings.llm_model:
        return ChatCompletionsGenerator(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key or None,
            timeout_s=settings.llm_timeout_s,
            response_format=settings.llm_response_format,
        )
    return BuiltinGenerator()


__all__ = [
    "BuiltinGenerator",
    "ChatCompletionsGenerator",
    "Generated",
    "GenerationFailed",
    "SourceComment",
    "SourceItem",
    "TicketDraft",
    "TicketGenerator",
    "get_generator",
]
