"""Loop as an MCP server: tools over the services, streamable HTTP at /mcp, stdio via `loop mcp`."""
