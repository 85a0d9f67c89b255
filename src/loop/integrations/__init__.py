"""Incoming webhooks, one package per provider: how its deliveries are verified and what they mean."""
