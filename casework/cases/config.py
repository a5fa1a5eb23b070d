"""Knobs of the case registry, passed in by the adapters (the core does not read the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from casework.cases.throttle import ThrottlePolicy


@dataclass(frozen=True)
class CaseConfig:
    signing_key: bytes
    link_code_days: int = 90
    max_failures: int = 5  # per chat / client
    failure_window_minutes: int = 30
    lock_minutes: int = 30
    case_failure_factor: int = 4  # per case number: distributed guessing of one case locks it at 4× the limit
    max_import_bytes: int = 20 * 1024 * 1024
    max_import_rows: int = 100_000

    @classmethod
    def from_settings(cls, settings: Any) -> CaseConfig:
        """From a thads.settings.Settings (duck-typed so the core does not import the adapter layer)."""
        return cls(signing_key=settings.signing_key(), link_code_days=settings.case_link_code_days,
                   max_failures=settings.case_lookup_max_failures, failure_window_minutes=settings.case_lookup_window_minutes,
                   lock_minutes=settings.case_lookup_lock_minutes)

    def client_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(self.max_failures, timedelta(minutes=self.failure_window_minutes), timedelta(minutes=self.lock_minutes))

    def case_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(self.max_failures * self.case_failure_factor, timedelta(minutes=self.failure_window_minutes),
                              timedelta(minutes=self.lock_minutes))
