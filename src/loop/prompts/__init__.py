"""Prompt templates for agents: the sandboxed Handlebars engine, the hydration context, template selection,
review scoring and the default templates."""
