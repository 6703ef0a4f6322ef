"""Tables of the portal. One migration creates them all (migrations/versions)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship

from core.text import later_name_parts


class Base(DeclarativeBase):
    # Every model maps one Table (never a join or a select): typed so for insert(...).
    __table__: ClassVar[Table]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={getattr(self, 'id', None)!r}>"


def utcnow() -> dt.datetime:
    """Naive UTC, the way every timestamp column stores it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def search_text(length: int) -> String:
    """Text matched by prefix ranges: bytewise order on every database (PostgreSQL's
    language collations would skip the hyphens in 016559933-01-1800)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _values(kind: type[enum.Enum]) -> list[str]:
    """Store an enum's values (what users read), not its member names."""
    return [member.value for member in kind]


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    CENTRE_USER = "centre_user"
    STAFF = "staff"


class JobStatus(enum.StrEnum):
    """A job row's life: pending (queued), running (claimed by a worker), then finished,
    failed, or (exports) expired once its file is deleted."""

    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    EXPIRED = "expired"


class NoticeStatus(enum.StrEnum):
    """Sending: claimed before the message went to the mail server (the outcome is
    unknown until it is recorded); sent: the server accepted it."""

    SENDING = "sending"
    SENT = "sent"


class BatchStatus(enum.StrEnum):
    """A print batch's production, moved on by staff: Pending (claims imported), Printing,
    then Complete (its certificates may be exported and candidates emailed) or Failed
    (with a reason; staff may put it back to Pending)."""

    PENDING = "PENDING"
    PRINTING = "PRINTING"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


class QualificationKind(enum.StrEnum):
    QUALIFICATION = "Qualification"
    QAP = "Quality Assured Programme"
    ACCREDITATION = "IMI Accreditation"


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    line1: Mapped[str] = mapped_column(String(200), default="")
    line2: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(100), default="United Kingdom")


class Centre(Base):
    __tablename__ = "centres"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    billing_address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id"))
    delivery_address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id"))
    email: Mapped[str] = mapped_column(String(254), default="")
    # Set by the centre's coordinator: everyone at the centre signs in with a code too.
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    billing_address: Mapped[Address | None] = relationship(foreign_keys=[billing_address_id])
    delivery_address: Mapped[Address | None] = relationship(foreign_keys=[delivery_address_id])


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    surname: Mapped[str] = mapped_column(String(100), default="")
    telephone: Mapped[str] = mapped_column(String(40), default="")
    mobile: Mapped[str] = mapped_column(String(40), default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.CENTRE_USER.value)
    password_hash: Mapped[str | None] = mapped_column(String(100))
    active_centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sessions_valid_after: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Two-factor sign-in (TOTP, RFC 6238): the base32 secret the authenticator app holds,
    # when it was confirmed, and the last time-step whose code was accepted (a code is
    # never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.surname}".strip()


class Membership(Base):
    """A user's place at a centre, with their role there (coordinator or centre user):
    one person may coordinate one centre and be a plain user of another. Staff are
    staff by `users.role` and need no membership."""

    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.CENTRE_USER.value)


class Candidate(Base):
    __tablename__ = "candidates"
    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_number: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.surname}"


class Qualification(Base):
    __tablename__ = "qualifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), default=QualificationKind.QUALIFICATION.value)


class PrintBatch(Base):
    __tablename__ = "print_batches"
    __table_args__ = (
        Index("ix_batches_centre_started", "centre_id", "started_at", "id"),
        Index("ix_batches_centre_status_started", "centre_id", "status", "started_at", "id"),
        Index("ix_batches_centre_type_started", "centre_id", "batch_type", "started_at", "id"),
        Index("ix_batches_centre_finished", "centre_id", "finished_at"),
        # Staff see every centre: the same orders without the centre in front.
        Index("ix_batches_started", "started_at", "id"),
        Index("ix_batches_status_started", "status", "started_at", "id"),
        Index("ix_batches_type_started", "batch_type", "started_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    status: Mapped[str] = mapped_column(String(20), default=BatchStatus.PENDING.value)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    failure_reason: Mapped[str] = mapped_column(String(300), default="")
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    records: Mapped[int] = mapped_column(Integer, default=0)
    batch_type: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(200), default="")
    email_status: Mapped[str] = mapped_column(String(60), default="")


class Certificate(Base):
    """A certificate; the candidate's search keys are copied in so that a centre's
    search is one index range (names as printed on the certificate)."""

    __tablename__ = "certificates"
    __table_args__ = (
        Index("ix_cert_centre_surname", "centre_id", "surname_key", "first_name_key", "id"),
        Index("ix_cert_surname", "surname_key", "first_name_key", "id"),
        Index("ix_cert_centre_first_name", "centre_id", "first_name_key"),
        Index("ix_cert_first_name", "first_name_key"),
        Index("ix_cert_centre_candidate_number", "centre_id", "candidate_number"),
        Index("ix_cert_candidate_number", "candidate_number"),
        Index("ix_cert_centre_birth_date", "centre_id", "birth_date"),
        Index("ix_cert_birth_date", "birth_date"),
        Index("ix_cert_centre_number", "centre_id", "number"),
        Index("ix_cert_batch", "batch_id", "id"),
        Index("ix_cert_candidate", "candidate_id"),
        # The API's incremental sync: a centre's certificates changed since a moment.
        Index("ix_cert_centre_updated", "centre_id", "updated_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(search_text(30), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("print_batches.id"))
    grade: Mapped[str] = mapped_column(String(40), default="Pass")
    issue_date: Mapped[dt.date] = mapped_column(Date)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300), default="")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str] = mapped_column(String(300), default="")
    candidate_number: Mapped[str] = mapped_column(search_text(20))
    first_name_key: Mapped[str] = mapped_column(search_text(100))
    surname_key: Mapped[str] = mapped_column(search_text(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    verify_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Moved on by every change (ORM or Core UPDATE): the API's `updated_since`.
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    candidate: Mapped[Candidate] = relationship()
    qualification: Mapped[Qualification] = relationship()
    centre: Mapped[Centre] = relationship()


class ClaimRow(Base):
    """One checked row of a claims file being imported, staged in the database so that
    duplicates and clashes are found by SQL and memory does not grow with the file.
    Emptied when the import ends."""

    __tablename__ = "claim_rows"
    __table_args__ = (
        Index("ix_claim_rows_number", "job_id", "certificate_number"),
        Index("ix_claim_rows_candidate", "job_id", "candidate_number"),
        Index("ix_claim_rows_batch", "job_id", "centre_id", "kind"),
    )
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_number: Mapped[str] = mapped_column(search_text(30))
    centre_id: Mapped[int] = mapped_column(Integer)
    candidate_number: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    first_name_key: Mapped[str] = mapped_column(search_text(100))
    surname_key: Mapped[str] = mapped_column(search_text(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    qualification_number: Mapped[str] = mapped_column(String(20))
    qualification_title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(40))
    issue_date: Mapped[dt.date] = mapped_column(Date)
    expiry_date: Mapped[dt.date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300), default="")
    # Already in the database exactly as in this row (a file imported again): skipped.
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    # The row's own fields have problems: it is staged (with what could be read) only so
    # that its partners are checked against it (a number twice, a candidate named twice).
    has_problems: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_id: Mapped[int | None] = mapped_column(Integer)


class ClaimNamePart(Base):
    """A later surname part of a staged claim row (see CertificateNamePart)."""

    __tablename__ = "claim_name_parts"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_key: Mapped[str] = mapped_column(search_text(100), primary_key=True)


class CertificateNotice(Base):
    """A 'new documents available' email to a candidate for one certificate, claimed
    before it is sent so that no candidate is told twice."""

    __tablename__ = "certificate_notices"
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=NoticeStatus.SENT.value)


class Job(Base):
    """Long work done by a worker: PDF exports and candidate emails."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status", "status", "id"),
        Index("ix_jobs_centre_kind", "centre_id", "kind", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    # The centre whose users see the job (Document Downloads, Email Status); None for the
    # awarding body's staff, whose work belongs to no centre and is seen by staff only.
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.PENDING.value)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result_path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    dismissed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class JobCertificate(Base):
    """A certificate chosen for an export job, fixed when the export was requested."""

    __tablename__ = "job_certificates"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), primary_key=True)


class Basket(Base):
    __tablename__ = "baskets"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Renewed whenever the basket changes: placing an order with the same token twice
    # (double click, reload, second tab) finds the first order instead of a new one.
    token: Mapped[str] = mapped_column(String(32), default="")


class BasketLine(Base):
    __tablename__ = "basket_lines"
    __table_args__ = (UniqueConstraint("basket_id", "product", "certificate_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    basket_id: Mapped[int] = mapped_column(ForeignKey("baskets.id"))
    product: Mapped[str] = mapped_column(String(30))
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(String(200), default="")
    unit_price_pence: Mapped[int] = mapped_column(Integer)
    vat_pence: Mapped[int] = mapped_column(Integer, default=0)


class CheckoutDraft(Base):
    """How far a user got through checkout and the addresses they gave, kept on the
    server so that a reload or another browser takes them up where they were."""

    __tablename__ = "checkout_drafts"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, default=1)
    billing: Mapped[dict] = mapped_column(JSON, default=dict)
    delivery: Mapped[dict] = mapped_column(JSON, default=dict)
    delivery_option: Mapped[str] = mapped_column(String(30), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<CheckoutDraft user_id={self.user_id} step={self.step}>"


class OrderStatus(enum.StrEnum):
    AWAITING_PAYMENT = "Awaiting payment"
    PROCESSING_CREDITS = "Processing (Centre credits)"
    PROCESSING_CLEARED = "Processing (Cleared payment)"
    PAYMENT_DECLINED = "Payment declined"
    CANCELLED = "Cancelled"
    PROCESSING = "Processing"
    DISPATCHED = "Dispatched"


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_centre_created", "centre_id", "created_at"),
        Index("ix_orders_centre_status_created", "centre_id", "status", "created_at"),
        Index("ix_orders_user_status", "user_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reference: Mapped[str] = mapped_column(String(100), default="")
    payment_provider: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(60))
    delivery_option: Mapped[str] = mapped_column(String(40))
    international: Mapped[bool] = mapped_column(Boolean, default=False)
    subtotal_pence: Mapped[int] = mapped_column(Integer, default=0)
    delivery_pence: Mapped[int] = mapped_column(Integer, default=0)
    vat_pence: Mapped[int] = mapped_column(Integer, default=0)
    total_pence: Mapped[int] = mapped_column(Integer, default=0)
    billing_address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id"))
    delivery_address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    total_products: Mapped[int] = mapped_column(Integer, default=0)
    checkout_token: Mapped[str | None] = mapped_column(String(32), unique=True)
    provider_transaction_id: Mapped[str | None] = mapped_column(String(64))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    payment_detail: Mapped[str] = mapped_column(String(300), default="")
    confirmation_sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    tracking_reference: Mapped[str] = mapped_column(String(100), default="")
    # What staff must look at, in words ("Paid after cancellation: refund or
    # reinstate."); empty when nothing is waiting for them.
    attention: Mapped[str] = mapped_column(String(300), default="")


class OrderLine(Base):
    """One ordered item. The partial unique index holds 'one duplicate certificate and one
    proof-of-qualification letter per candidate per achievement, ever' over the lines
    that still count: a cancelled order or a declined payment sets `active` false. An
    achievement is a candidate and a qualification (two certificates of one achievement,
    issued the same day, are still one achievement), copied from the certificate so that
    the database itself refuses a second line, whatever runs at the same time."""

    __tablename__ = "order_lines"
    __table_args__ = (
        Index(
            "uq_order_lines_one_per_achievement",
            "product",
            "candidate_id",
            "qualification_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product: Mapped[str] = mapped_column(String(30))
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    qualification_id: Mapped[int] = mapped_column(ForeignKey("qualifications.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(String(200), default="")
    unit_price_pence: Mapped[int] = mapped_column(Integer)
    vat_pence: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CardAnswerOutcome(enum.StrEnum):
    """What the portal did with a card provider's answer."""

    PAID = "paid"
    DECLINED = "declined"
    REFUSED = "refused"  # did not match its order, or was used before: nothing paid
    PAID_AFTER_CANCELLATION = "paid after cancellation"


class CardAnswer(Base):
    """Every card provider's answer the portal read, as it came back, and what was done
    with it: staff see refused ones beside their order, and an answer (the same one, or
    the same transaction) is used once only."""

    __tablename__ = "card_answers"
    __table_args__ = (Index("ix_card_answers_transaction", "transaction_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the crypt
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    vendor_tx_code: Mapped[str] = mapped_column(String(80), default="")
    transaction_id: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(20), default="")
    amount: Mapped[str] = mapped_column(String(20), default="")
    currency: Mapped[str] = mapped_column(String(10), default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(
        Enum(CardAnswerOutcome, native_enum=False, length=30, values_callable=_values)
    )
    message: Mapped[str] = mapped_column(String(500), default="")  # what the user was told


class ProblemReport(Base):
    __tablename__ = "problem_reports"
    __table_args__ = (
        Index("ix_problems_centre_created", "centre_id", "created_at"),
        Index("ix_problems_status", "status", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="Open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class UserRequestStatus(enum.StrEnum):
    PENDING = "Pending"
    APPROVED = "Approved"
    REJECTED = "Rejected"


class UserRequest(Base):
    """A centre coordinator asks for an additional user; staff approve (the user is
    created and emailed a link to set a first password) or reject with a reason."""

    __tablename__ = "user_requests"
    __table_args__ = (
        Index("ix_user_requests_status_created", "status", "created_at"),
        Index("ix_user_requests_centre_created", "centre_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    surname: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[UserRequestStatus] = mapped_column(
        Enum(UserRequestStatus, native_enum=False, length=20, values_callable=_values),
        default=UserRequestStatus.PENDING,
    )
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class OutboxEmail(Base):
    __tablename__ = "outbox_emails"
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PasswordResetToken(Base):
    __tablename__ = "password_reset_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SignInTicket(Base):
    """A password check that succeeded in a page, waiting for the browser to turn it into
    the HttpOnly sign-in cookie (POST /auth/session): single use, a minute at most; only
    its SHA-256 is stored. `remember_browser` asks the sign-in response for a second
    cookie (core.sessions' hooks)."""

    __tablename__ = "sign_in_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    signed_in_at: Mapped[float] = mapped_column(Float)
    remember_browser: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RecoveryCode(Base):
    """One single-use recovery code of a user's second factor: its SHA-256 only."""

    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class RememberedBrowser(Base):
    """A browser whose user ticked "Remember this browser": its token's SHA-256. It
    skips the code step for that user until it expires or the user changes password,
    signs out everywhere or has the second factor reset."""

    __tablename__ = "remembered_browsers"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_centre_at", "centre_id", "at"),
        Index("ix_audit_at", "at", "id"),
        Index("ix_audit_action_at", "action", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class OrderEvent(Base):
    """One step of an order's status history, shown on the order's page."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(60))
    note: Mapped[str] = mapped_column(String(300), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class VerificationMethod(enum.StrEnum):
    """How someone asked the public Verify page about a certificate."""

    CODE = "code"
    NUMBER = "number"
    UPLOAD = "upload"
    BADGE = "badge"  # an Open Badge credential, pasted or uploaded


class Verification(Base):
    """One question to the public Verify page, answered or not. Nothing about who
    asked is kept: the rate limit counts clients in its own short-lived storage."""

    __tablename__ = "verifications"
    __table_args__ = (Index("ix_verifications_certificate", "certificate_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    method: Mapped[str] = mapped_column(String(10))
    found: Mapped[bool] = mapped_column(Boolean)


class CandidateLink(Base):
    """A candidate's personal link to their certificate (sent in the candidate notice);
    only the token's SHA-256 is kept, like a password-reset token's."""

    __tablename__ = "candidate_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CertificateNamePart(Base):
    """A later part of a hyphenated or several-word surname as a search key
    (Nowak-Łukasiewicz: lukasiewicz), so that a search for any part finds the certificate
    by prefix on an index. The first part is the start of the certificate's surname_key."""

    __tablename__ = "certificate_name_parts"
    __table_args__ = (
        Index("ix_name_parts_centre_key", "centre_id", "part_key", "certificate_id"),
        Index("ix_name_parts_key", "part_key", "certificate_id"),
    )
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), primary_key=True)
    part_key: Mapped[str] = mapped_column(search_text(100), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))


class ApiKeyScope(enum.StrEnum):
    """What a centre's API key may do: read, or read and request exports."""

    READ = "read"
    EXPORT = "read+export"


class ApiKey(Base):
    """A centre's key for the /api/v1 HTTP API. Only the SHA-256 of its secret is kept;
    `prefix` (the key's first characters, not secret) finds it and names it in lists."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_centre_created", "centre_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[ApiKeyScope] = mapped_column(
        Enum(ApiKeyScope, native_enum=False, length=20, values_callable=_values)
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_from: Mapped[str] = mapped_column(String(64), default="")
    # Addresses the key has been used from (newest last, at most 50): a new one is audited.
    addresses: Mapped[list] = mapped_column(JSON, default=list)


def name_part_rows(*, certificate_id: int, centre_id: int, surname: str) -> list[dict]:
    """The certificate_name_parts rows of one certificate (for bulk inserts)."""
    return [
        {"certificate_id": certificate_id, "centre_id": centre_id, "part_key": part}
        for part in later_name_parts(surname)
    ]


@event.listens_for(Certificate, "after_insert")
def _index_name_parts(_mapper: Mapper, connection: Connection, certificate: Certificate) -> None:
    """Every certificate written through the ORM gets its surname's parts indexed."""
    surname = connection.scalar(
        select(Candidate.surname).where(Candidate.id == certificate.candidate_id)
    )
    rows = name_part_rows(
        certificate_id=certificate.id, centre_id=certificate.centre_id, surname=surname or ""
    )
    if rows:
        connection.execute(insert(CertificateNamePart), rows)
