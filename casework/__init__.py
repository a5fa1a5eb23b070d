"""Complaint queue core: submissions, triage, legal deadlines, audit, outbox. No web or Telegram imports."""
