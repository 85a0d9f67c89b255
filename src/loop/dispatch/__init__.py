"""Handing issues to agents: the queue order, claims, leases."""
