"""Settings, read from the environment (prefix ``LOOP_``) only when a caller builds them.

Nothing in the package reads settings at import time: ``create_app(settings)`` receives them, and the
CLI builds them from its options. That lets tests build many apps with different settings in one process.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 5667  # the port the engine's existing CLI, SDK and MCP clients default to


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "loop"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOOP_", env_file=None, extra="ignore")

    # Where the embedded store, the generated secret and uploaded files live.
    data_dir: Path = Field(default_factory=default_data_dir)
    # Empty means the embedded SQLite file ``<data_dir>/loop.db``.
    database_url: str = ""
    # Run migrations when the app starts. Defaults to on for the embedded SQLite store only.
    auto_migrate: bool | None = None
    # Pool sizing for PostgreSQL.
    db_pool_size: int = 10
    db_max_overflow: int = 20
    # PostgreSQL: let the driver prepare statements it runs often (plans are reused). Turn off behind a
    # connection pooler that cannot keep prepared statements (PgBouncer < 1.21 in transaction mode).
    db_prepared_statements: bool = True
    # PostgreSQL: test a pooled connection before use when it has been idle for ``db_pre_ping_idle_s`` or
    # more (0: before every use, one extra round trip per request). Off, a connection broken by a server
    # restart fails one request and the pool is then refilled.
    db_pre_ping: bool = True
    db_pre_ping_idle_s: float = Field(default=5.0, ge=0)
    # SQLite waits this long for the write lock before failing a request.
    sqlite_busy_timeout_ms: int = 30_000

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    # Public base URL used in links the server writes (prompts, pay links, download URLs).
    public_url: str = ""

    # Keys every stored token hash and every signed URL. Generated into the data directory when unset.
    secret_key: str = ""

    redis_url: str = ""
    rate_limit_enabled: bool = True
    # "<n>/minute;<n>/day" per plan; a credential is limited by its organisation's plan.
    rate_limit_starter: str = "30/minute;1000/day"
    rate_limit_trial: str = "60/minute;5000/day"
    rate_limit_pro: str = "60/minute;5000/day"
    rate_limit_business: str = "120/minute;25000/day"
    rate_limit_key_prefix: str = "loop"

    # Last-use timestamps are written at most this often per credential.
    token_last_used_resolution_s: int = 60

    # Developer API plan quotas (0 = unlimited). An active trial counts as Pro, an ended one as Starter.
    quota_projects_starter: int = 1
    quota_projects_pro: int = 10
    quota_projects_business: int = 0
    quota_feedback_starter: int = 100  # per calendar month (UTC), every channel
    quota_feedback_pro: int = 1000
    quota_feedback_business: int = 0

    # Feedback widget: uploads, stored files and the public intake's budget per project key.
    upload_max_bytes: int = 5 * 1024 * 1024
    # Empty means ``<data_dir>/files``.
    files_dir: Path | None = None
    file_url_ttl_s: int = 3600
    widget_rate_limit: str = "30/minute;1000/day"
    # Dashboard sign-in attempts per email address (slows password guessing; applies when rate limits are on).
    signin_rate_limit: str = "10/minute;100/day"

    # Ticket generation through an OpenAI-compatible chat-completions endpoint; the built-in generator
    # is used when base URL and model are not both set.
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 30.0
    # json_schema (structured outputs), json_object (JSON mode) or none (prompt only), by what the server supports
    llm_response_format: Literal["json_schema", "json_object", "none"] = "json_schema"
    # Background jobs (report exports, email delivery): run inside the server process, and/or in separate
    # ``loop worker`` processes. Any number of them share the queue in the database.
    jobs_in_process: bool = True
    jobs_concurrency: int = Field(2, ge=1, le=64)
    jobs_poll_interval_s: float = Field(2.0, gt=0)
    # A running job's claim lasts this long and is renewed while it runs; after a crash it is taken over
    # once the lease has run out.
    jobs_lease_s: float = Field(60.0, gt=0)
    # Finished and failed jobs are deleted after this long.
    # How long a dispatch claim holds its issue without a heartbeat before the issue returns to the queue.
    dispatch_lease_s: int = Field(1800, ge=1, le=7 * 24 * 3600)
    jobs_retention_s: int = 7 * 24 * 3600

    # Outgoing email (draft delivery). Empty host: drafts asked to be sent are kept as "queued".
    smtp_host: str = ""
    smtp_port: int = 0  # 0: 465 for ssl, 587 for starttls, 25 otherwise
    smtp_username: str = ""
    smtp_password: str = ""
    # starttls: upgrade with STARTTLS (required); ssl: implicit TLS; none: plain (loopback relays only).
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_validate_certs: bool = True
    # Sender used when a draft names none.
    smtp_from: str = ""
    smtp_timeout_s: float = Field(30.0, gt=0)

    # Inbox: attachments per draft, report exports.
    draft_max_attachment_bytes: int = 10 * 1024 * 1024
    # How long a finished export (and its download link) lasts.
    report_export_ttl_s: int = Field(24 * 3600, ge=60)
    # An export still processing after this long is reported as failed.
    report_export_max_age_s: int = Field(3600, ge=60)
    # Where export files are written; with several server processes it must be shared by all of them.
    report_exports_dir: Path | None = None

    cors_origins: list[str] = Field(default_factory=list)
    # MCP endpoint (/mcp): Host and Origin headers it answers besides loopback, LOOP_HOST and the host of
    # LOOP_PUBLIC_URL (comma-separated; "host:*" for any port; "*" in the hosts turns the check off).
    mcp_enabled: bool = True
    mcp_allowed_hosts: list[str] = Field(default_factory=list)
    mcp_allowed_origins: list[str] = Field(default_factory=list)
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    access_log: bool = True

    @field_validator("cors_origins", "mcp_allowed_hosts", "mcp_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    # ----------------------------------------------------------------------------------------------
    @property
    def is_embedded(self) -> bool:
        return not self.database_url or self.database_url.startswith("sqlite")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{self.data_dir / 'loop.db'}"

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_embedded if self.auto_migrate is None else self.auto_migrate

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    @property
    def exports_dir(self) -> Path:
        return self.report_exports_dir or self.data_dir / "exports"

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once into the data directory (mode 0600)."""
        if self.secret_key:
            return self.secret_key
        if not self.is_embedded:
            raise RuntimeError(
                "LOOP_SECRET_KEY must be set when LOOP_DATABASE_URL points at a shared database: every "
                "server process must use the same key to verify tokens."
            )
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value


def normalise_database_url(url: str) -> str:
    """Accept the URL forms people paste (``postgres://``, ``postgresql://``) and pick our drivers."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url
