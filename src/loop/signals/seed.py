"""Registers the default triage rule for new organisations."""

from loop.orgs.hooks import SEEDERS
from loop.signals.triage import seed

SEEDERS.append(seed)
