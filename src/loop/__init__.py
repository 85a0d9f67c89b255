"""Loop: one self-hostable server for the Loop APIs."""

__version__ = "0.1.0"
