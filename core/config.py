"""Settings: environment first, then `.streamlit/secrets.toml`, then the defaults below.

Every setting is a field of `Settings` (pydantic-settings) with its default and a line
of help; docs/configuration.md lists them all (a test checks it). Values are validated when the
settings are built, so a typo stops the app at start instead of running it half-set.
"""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
DEFAULT_SECRET = "change-me-in-production-to-a-long-random-value"
DEFAULT_PDF_OWNER_PASSWORD = "change-me-owner-password"
DEFAULT_OPAYO_PASSWORD = "TestKey-16-Chars"
MIN_PRODUCTION_SECRET_LENGTH = 32
OPAYO_PASSWORD_BYTES = 16
GENERATE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


class SettingsError(RuntimeError):
    """The settings cannot run the portal; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, validate_default=True
    )

    app_env: Literal["development", "test", "production"] = Field(
        "development",
        description="development, test or production (production refuses weak secrets "
        "and never loads demo data); any other value stops the app",
    )
    database_url: str = Field(
        f"sqlite:///{ROOT / 'data' / 'portal.db'}", description="SQLAlchemy URL of the database"
    )
    secret_key: str = Field(
        DEFAULT_SECRET,
        description="signs the sign-in cookie; production needs 32 or more random characters",
    )
    public_url: str = Field(
        "http://localhost:8501",
        description="address users reach, used in email links; https marks the cookie Secure",
    )
    cookie_name: str = Field("dc_portal_session", description="name of the sign-in cookie")
    cookie_expiry_days: float = Field(
        7.0, gt=0, description="days a sign-in survives without a new login"
    )
    lockout_attempts: int = Field(
        5, ge=1, description="failed sign-ins in a row that lock an account"
    )
    lockout_minutes: int = Field(15, ge=1, description="minutes an account stays locked")
    reset_token_minutes: int = Field(
        60, ge=1, description="minutes a password-reset link stays valid"
    )
    first_password_link_hours: int = Field(
        72, ge=1, description="hours the set-your-password link emailed to a new user stays valid"
    )
    reset_requests_per_hour: int = Field(
        3, ge=1, description="password-reset emails one address can be sent in an hour"
    )
    min_password_length: int = Field(10, ge=8, description="shortest password accepted")
    common_passwords_path: str = Field(
        str(ROOT / "data" / "common-passwords.txt"),
        description="list of the most common passwords (one a line, # for comments); a "
        "password on it is refused",
    )
    password_check_workers: int = Field(
        0,
        ge=0,
        description="password checks (bcrypt) one app process runs at once; the rest "
        "wait their turn. 0: one fewer than the CPU cores, at least one",
    )
    password_check_niceness: int = Field(
        10,
        ge=0,
        le=19,
        description="how far below the pages' CPU priority a password check runs (the "
        "checking threads' nice value): pages of signed-in users come first in a storm",
    )
    totp_issuer: str = Field(
        "IMI Digital Certificates",
        description="the name authenticator apps show beside the account's codes",
    )
    remember_browser_days: int = Field(
        30, ge=1, description='days "Remember this browser" skips the code step'
    )
    remember_cookie_name: str = Field(
        "dc_portal_remember", description='name of the "Remember this browser" cookie'
    )
    smtp_host: str = Field("", description="SMTP server; empty keeps email in the outbox table")
    smtp_port: int = Field(25, description="SMTP port")
    smtp_user: str = Field("", description="SMTP user name, if the server needs one")
    smtp_password: str = Field("", description="SMTP password")
    smtp_starttls: bool = Field(False, description="use STARTTLS on the SMTP connection")
    mail_from: str = Field("certificates@imi.example", description="sender address of every email")
    content_dir: str = Field(
        str(ROOT / "data" / "content"), description="folder of support.md and faq.toml"
    )
    logo_path: str = Field(
        str(ROOT / "data" / "logo.svg"),
        description="the awarding body's logo (an image file), in the header and on the "
        "sign-in page",
    )
    queue_url: str = Field(
        "",
        description="Huey's storage: empty for the app's database (SQLite file beside it, or "
        "PostgreSQL), or redis://host:6379/0",
    )
    exports_url: str = Field(
        str(ROOT / "data" / "runtime" / "exports"),
        description="folder or fsspec URL (s3://bucket/prefix) where export zips are written",
    )
    pdf_owner_password: str = Field(
        DEFAULT_PDF_OWNER_PASSWORD,
        description="owner password of certificate PDFs (opening needs none; it guards the "
        "permissions); production refuses the default; Latin-1 characters only",
    )
    signing_cert_path: str = Field(
        str(ROOT / "data" / "runtime" / "signing-cert.pem"),
        description="the awarding body's signing key and certificate that sign every "
        "exported PDF: one PEM file (key, then certificate and chain) or PKCS#12 (.p12, .pfx)",
    )
    signing_cert_password: str = Field(
        "", description="password of the signing key file, if it has one"
    )
    verify_rate_limit: str = Field(
        "30/minute",
        description="verifications one client may make on the public Verify page "
        "(the limits library's notation: 30/minute, 500/day)",
    )
    pdf_check_seconds: int = Field(
        5,
        ge=1,
        description="CPU seconds a PDF uploaded to Verify may cost to read (in a process "
        "of its own); past it the answer is that the file could not be checked",
    )
    pdf_check_memory_mb: int = Field(
        256,
        ge=32,
        description="memory (MB) reading a PDF uploaded to Verify may take on top of what "
        "its process starts with; past it the file could not be checked",
    )
    rate_limit_url: str = Field(
        "memory://",
        description="where rate-limit counters live: memory:// (one process) or "
        "redis://host:6379/0 (shared by every app process)",
    )
    api_rate_limit: str = Field(
        "600/minute",
        description="requests one API key may make to /api/v1 (the limits library's "
        "notation); past it the API answers 429 with Retry-After",
    )
    badge_keys_dir: str = Field(
        str(ROOT / "data" / "runtime" / "badge-keys"),
        description="folder of the awarding body's Open Badges signing keys (PEM, one file "
        "per key id); the newest signs, all are published so older credentials still "
        "verify; `python -m core.cli make-badge-key` adds one (a rotation)",
    )
    badge_identity_salt: str = Field(
        "",
        description="salt of the candidate's hashed email in Open Badges credentials; empty "
        "derives one from SECRET_KEY (set it before SECRET_KEY is ever rotated)",
    )
    candidate_link_days: int = Field(
        90, ge=1, description="days a candidate's personal certificate link stays valid"
    )
    task_retries: int = Field(2, ge=0, description="times a failed background task is tried again")
    task_retry_delay: int = Field(
        10, ge=0, description="seconds before a failed task is tried again"
    )
    worker_niceness: int = Field(
        10,
        ge=0,
        le=19,
        description="how far below the app's a worker's CPU priority is (os.nice): on a "
        "machine both share, users' pages come before exports",
    )
    task_stale_seconds: int = Field(
        120,
        ge=1,
        description="seconds without a heartbeat after which a job's worker is taken for dead",
    )
    heartbeat_seconds: float = Field(
        10.0, gt=0, description="seconds between a running job's heartbeats"
    )
    export_max_certificates: int = Field(
        10_000, ge=1, description="most certificates in one export"
    )
    trusted_proxies: str = Field(
        "",
        description="addresses or networks (comma-separated, IPv4 or IPv6: 10.0.0.5, "
        "10.1.0.0/16, ::1) of the reverse proxies whose X-Forwarded-For is believed; empty "
        "believes nobody, so the connection's own address counts",
    )
    metrics_token: str = Field(
        "",
        description="bearer token that /_stcore/metrics asks for (Authorization: Bearer "
        "TOKEN); empty answers 404 to everyone",
    )
    presigned_url_seconds: int = Field(
        60,
        ge=0,
        description="with S3 storage, downloads are redirected to a presigned address valid "
        "this many seconds; 0 streams them through the app instead",
    )
    log_level: str = Field("INFO", description="server log level")
    price_list: str = Field(
        str(ROOT / "data" / "prices.toml"),
        description="price list of products and delivery options",
    )
    vat_rate_percent: float = Field(
        0.0, ge=0, le=100, description="VAT rate applied to each order line"
    )
    payment_mode: Literal["test", "live"] | None = Field(
        None,
        description="test: card payments go to the local test gateway (no money moves); "
        "live: to Opayo. Unset: test, but live in production, which refuses test unless "
        "ALLOW_TEST_PAYMENTS_IN_PRODUCTION is set",
    )
    allow_test_payments_in_production: bool = Field(
        False,
        description="lets a production (staging) site take PAYMENT_MODE=test: orders paid "
        "with a sandbox card are marked paid and no money moves. Never on a live site",
    )
    opayo_form_url: str = Field(
        "https://live.opayo.eu.elavon.com/gateway/service/vspform-register.vsp",
        description="Opayo (SagePay) Form payment page used when PAYMENT_MODE is live",
    )
    opayo_vendor: str = Field("imiportal", description="Opayo vendor name")
    opayo_encryption_password: str = Field(
        DEFAULT_OPAYO_PASSWORD,
        description="Opayo Form encryption password (16 characters, the AES-128 key of "
        "every request and answer); production refuses the published default",
    )

    @field_validator("verify_rate_limit", "api_rate_limit")
    @classmethod
    def _rate_limit_in_limits_notation(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError("write it as the limits library does, e.g. 30/minute") from None
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        for item in _split(value):
            try:
                ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network (10.0.0.5, 10.1.0.0/16, ::1)"
                ) from None
        return value

    @field_validator("pdf_owner_password")
    @classmethod
    def _owner_password_fpdf2_can_write(cls, value: str) -> str:
        try:
            value.encode("latin-1")  # fpdf2 writes the owner password as Latin-1
        except UnicodeEncodeError:
            raise ValueError(
                "use Latin-1 characters only (letters, digits, accented Western letters "
                "and common punctuation; not € or other symbols): PDFs cannot carry others"
            ) from None
        return value

    @field_validator("opayo_form_url")
    @classmethod
    def _opayo_page_over_https(cls, value: str) -> str:
        if urlsplit(value).scheme != "https" or not urlsplit(value).netloc:
            raise ValueError("Opayo's payment page is an https:// address")
        return value

    @field_validator("opayo_encryption_password")
    @classmethod
    def _opayo_password_is_an_aes_128_key(cls, value: str) -> str:
        if len(value.encode()) != OPAYO_PASSWORD_BYTES:
            raise ValueError(
                f"Opayo's encryption password is {OPAYO_PASSWORD_BYTES} characters "
                "(copy it from Opayo's MySagePay)"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _payment_mode_live_in_production_unless_set(cls, data: object) -> object:
        """Unset PAYMENT_MODE never silently means test payments on a production site."""
        if isinstance(data, dict) and not data.get("payment_mode"):
            env = str(data.get("app_env", "development")).strip().lower()
            data = {**data, "payment_mode": "live" if env == "production" else "test"}
        return data

    @field_validator("app_env", mode="before")
    @classmethod
    def _app_env_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _production_needs_a_real_secret(self) -> Settings:
        if self.is_production and not is_strong_secret(self.secret_key):
            raise ValueError(
                f"APP_ENV=production needs SECRET_KEY set to at least "
                f"{MIN_PRODUCTION_SECRET_LENGTH} random characters; make one with {GENERATE_SECRET}"
            )
        if self.is_production and self.pdf_owner_password == DEFAULT_PDF_OWNER_PASSWORD:
            raise ValueError("APP_ENV=production needs PDF_OWNER_PASSWORD set to a secret value")
        if self.payment_mode == "live" and self.opayo_encryption_password == DEFAULT_OPAYO_PASSWORD:
            raise ValueError("PAYMENT_MODE=live needs OPAYO_ENCRYPTION_PASSWORD from Opayo")
        if self.is_production:
            self._production_payments()
        return self

    def _production_payments(self) -> None:
        """Card answers are trusted because only the password's holder can write one: the
        published default lets anyone mark an order paid. Test payments mark orders paid
        with no money taken, so production takes them only when told so by name."""
        if self.opayo_encryption_password == DEFAULT_OPAYO_PASSWORD:
            raise ValueError(
                "APP_ENV=production needs OPAYO_ENCRYPTION_PASSWORD set to the vendor's own "
                "password from Opayo: the default is published, and with it anyone can write "
                "a payment answer"
            )
        if self.payment_mode == "test" and not self.allow_test_payments_in_production:
            raise ValueError(
                "APP_ENV=production refuses PAYMENT_MODE=test (orders would be marked paid "
                "with no money taken); a staging site must also set "
                "ALLOW_TEST_PAYMENTS_IN_PRODUCTION=true"
            )

    @property
    def test_payments(self) -> bool:
        """Card payments go to the portal's own test gateway (its screen exists only then)."""
        return self.payment_mode == "test"

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def address(self, path: str) -> str:
        """The portal's address of a page (with its query), as links in emails and PDFs
        carry it: `address("verify?code=…")`."""
        return f"{self.public_url.rstrip('/')}/{path}"

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(ip_network(item, strict=False) for item in _split(self.trusted_proxies))

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=SECRETS_FILE),
        )


def is_strong_secret(secret: str) -> bool:
    """Long and varied enough to be random: not the default, not `aaaa…`."""
    return (
        secret != DEFAULT_SECRET
        and len(secret) >= MIN_PRODUCTION_SECRET_LENGTH
        and len(set(secret)) >= 16
    )


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (upper-case names) and secrets.toml; with
    `environ`, from that mapping and the defaults only. Bad values raise SettingsError."""
    try:
        if environ is None:
            return Settings()
        names = set(Settings.model_fields)
        return Settings.model_validate(
            {key.lower(): value for key, value in environ.items() if key.lower() in names}
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, item['loc'])).upper() or 'settings'}: {item['msg']}"
            for item in error.errors()
        )
        raise SettingsError(f"The portal's settings are not valid: {problems}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def setting_help() -> dict[str, tuple[object, str]]:
    """Each setting's environment name, default and help, for docs and tests."""
    return {
        name.upper(): (info.default, info.description or "")
        for name, info in Settings.model_fields.items()
    }
