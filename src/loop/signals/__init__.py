"""Signals: production events that enter the loop, deduplicated into triage issues and routed by rules."""
