"""Settings, read once from ``ONEX_*`` environment variables and validated at start.

Every setting is declared here, once; ``onex settings`` prints them and the README lists them
(a test checks that each one is documented).
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """onex settings. Environment variables are the field names, upper-cased, prefixed ONEX_."""

    model_config = SettingsConfigDict(env_prefix="ONEX_", extra="ignore", frozen=True)

    environment: Literal["development", "production"] = Field(
        "development",
        description="development allows the generated key-encryption key and http:// base URLs; "
        "production refuses both.",
    )
    data_dir: Path = Field(Path("var"), description="Where the SQLite database and keys live.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
        "[default: SQLite at DATA_DIR/onex.db].",
    )
    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="The public base URL: every DID, status-list URL and endpoint is made from it.",
    )
    key_encryption_key: str | None = Field(
        None,
        description="base64url of 32 bytes that encrypt private keys at rest (AES-256-GCM) "
        "[default: DATA_DIR/kek, generated with mode 0600 on first start].",
    )
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body accepted.")
    max_upload_bytes: int = Field(
        16 * 1_048_576,
        ge=1024,
        description="Largest batch file upload accepted (POST /orgs/{slug}/batches with an API "
        "key); every other request is held to ONEX_MAX_BODY_BYTES.",
    )
    max_json_depth: int = Field(32, ge=4, description="Deepest JSON nesting accepted.")
    status_max_age: int = Field(
        300, ge=0, description="Cache-Control max-age (seconds) of published status lists."
    )
    session_ttl_hours: int = Field(12, ge=1, description="Lifetime of a learner session token.")
    verifier_suites: list[str] = Field(
        ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
        description="Data Integrity cryptosuites the verifier accepts (JSON list of names).",
    )
    verifier_clock_skew: int = Field(
        300,
        ge=0,
        le=3600,
        description="Seconds of clock skew allowed when checking validity dates.",
    )
    verifier_registries: list[str] = Field(
        [],
        description="URLs of other onex registries (GET /registry JSON) whose organizations the "
        "verifier also trusts; their hosts may be fetched from (JSON list).",
    )
    verifier_trusted_hosts: list[str] = Field(
        [],
        description="Extra hosts (host[:port]) the verifier may fetch status lists and DID "
        "documents from, besides those of the trust registry (JSON list).",
    )
    verifier_allow_private_hosts: bool = Field(
        False,
        description="Let the verifier fetch from private, loopback or link-local addresses "
        "(the service's own base URL host is always allowed).",
    )
    verifier_max_stale: int = Field(
        86400,
        ge=0,
        description="Seconds past its lifetime that cached data (status lists, DID documents, "
        "registries) may still be used when its source cannot be reached; reported as stale.",
    )

    verify_rate: float = Field(
        20,
        ge=0,
        description="Verification requests per second a client address may make, sustained "
        "(POST /credentials/verify, /presentations/verify, /challenges, /verify/upload and the "
        "verification page), per worker process; 0 turns the limit off.",
    )
    verify_burst: int = Field(
        100,
        ge=0,
        description="Verification requests a client address may make at once before "
        "VERIFY_RATE applies (the size of its token bucket); 0 turns the limit off.",
    )

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'onex.db').resolve()}"

    def check_production(self) -> None:
        """Refuse development defaults outside development."""
        if self.environment != "production":
            return
        if not self.key_encryption_key:
            raise ValueError("ONEX_KEY_ENCRYPTION_KEY must be set in production")
        if not self.base_url.startswith("https://"):
            raise ValueError("ONEX_BASE_URL must be https:// in production")

    def load_key_encryption_key(self) -> bytes:
        """The 32-byte KEK: from the setting, else DATA_DIR/kek (created 0600 if absent)."""
        if self.key_encryption_key:
            return _decode_kek(self.key_encryption_key, "ONEX_KEY_ENCRYPTION_KEY")
        path = self.data_dir / "kek"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            encoded = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(encoded + "\n")
        return _decode_kek(path.read_text().strip(), str(path))


def _decode_kek(value: str, where: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise ValueError(f"{where} is not base64url") from exc
    if len(key) != 32:
        raise ValueError(f"{where} must encode 32 bytes, got {len(key)}")
    return key
