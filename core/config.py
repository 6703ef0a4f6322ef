"""Settings: environment first, then `.streamlit/secrets.toml`, then the defaults below.

Every setting is a field of `Settings` with its default and a line of help; the README
lists them all (a test checks it).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "change-me-in-production-to-a-long-random-value"


def _setting(default: object, help_text: str) -> object:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    app_env: str = _setting(
        "development",
        "development or production (production refuses default secrets and never loads demo data)",
    )
    database_url: str = _setting(
        f"sqlite:///{ROOT / 'data' / 'portal.db'}", "SQLAlchemy URL of the database"
    )
    secret_key: str = _setting(DEFAULT_SECRET, "signs the sign-in cookie; set a long random value")
    public_url: str = _setting("http://localhost:8501", "address users reach, used in email links")
    cookie_name: str = _setting("dc_portal_session", "name of the sign-in cookie")
    cookie_expiry_days: float = _setting(7.0, "days a sign-in survives without a new login")
    lockout_attempts: int = _setting(5, "failed sign-ins in a row that lock an account")
    lockout_minutes: int = _setting(15, "minutes an account stays locked")
    reset_token_minutes: int = _setting(60, "minutes a password-reset link stays valid")
    min_password_length: int = _setting(10, "shortest password accepted")
    smtp_host: str = _setting("", "SMTP server; empty keeps email in the outbox table")
    smtp_port: int = _setting(25, "SMTP port")
    smtp_user: str = _setting("", "SMTP user name, if the server needs one")
    smtp_password: str = _setting("", "SMTP password")
    smtp_starttls: bool = _setting(False, "use STARTTLS on the SMTP connection")
    mail_from: str = _setting("certificates@imi.example", "sender address of every email")
    content_dir: str = _setting(str(ROOT / "data" / "content"), "folder of support.md and faq.toml")
    logo_path: str = _setting(
        str(ROOT / "data" / "logo.svg"),
        "the awarding body's logo (an image file), in the header and on the sign-in page",
    )
    worker_threads: int = _setting(1, "job worker threads inside each app process (0: none)")
    log_level: str = _setting("INFO", "server log level")

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


def _coerce(raw: object, default: object) -> object:
    if isinstance(default, bool):
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return str(raw)


def _secrets_file() -> dict:
    path = ROOT / ".streamlit" / "secrets.toml"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (upper-case names) and secrets.toml."""
    environ = os.environ if environ is None else environ
    secrets = _secrets_file()
    values = {}
    for item in fields(Settings):
        name = item.name.upper()
        if name in environ:
            values[item.name] = _coerce(environ[name], item.default)
        elif item.name in secrets:
            values[item.name] = _coerce(secrets[item.name], item.default)
    settings = Settings(**values)
    check_production(settings)
    return settings


def check_production(settings: Settings) -> None:
    """Refuse to run production with a default secret."""
    if settings.is_production and settings.secret_key == DEFAULT_SECRET:
        raise RuntimeError("APP_ENV=production needs SECRET_KEY set to a long random value")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def setting_help() -> dict[str, tuple[object, str]]:
    """Each setting's environment name, default and help, for docs and tests."""
    return {f.name.upper(): (f.default, f.metadata["help"]) for f in fields(Settings)}
