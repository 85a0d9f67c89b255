"""The engine dashboard API: stats, activity chains, prompt health."""
