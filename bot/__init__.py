"""Telegram adapter (python-telegram-bot 22): handlers, persistence, outbox channel and webhook route
over the retrieval and casework cores. No business rules live here."""
