"""The payment interface: what a provider is asked, and how it answers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class PaymentMethod(enum.StrEnum):
    CREDITS = "Centre Credits"
    CARD = "SagePay"


@dataclass(frozen=True)
class PayerAddress:
    first_names: str
    surname: str
    line1: str
    line2: str
    town: str
    postcode: str
    country_code: str


@dataclass(frozen=True)
class PaymentRequest:
    order_id: int
    token: str
    amount_pence: int
    description: str
    email: str
    billing: PayerAddress
    delivery: PayerAddress


@dataclass(frozen=True)
class PaymentStart:
    """What placing starts: settled at once (`redirect_url` None) or a trip to the
    provider's page: a path of the portal (the test gateway), or with `form_fields` the
    provider's own address (a setting) that the browser posts them to."""

    settled: bool
    redirect_url: str | None = None
    form_fields: dict[str, str] | None = None


@dataclass(frozen=True)
class PaymentAnswer:
    """The provider's answer about one order, as it came back (order_id None and token
    empty when its VendorTxCode names no order of ours)."""

    order_id: int | None
    token: str
    vendor_tx_code: str
    status: str
    amount: str
    currency: str
    transaction_id: str
    last4: str
    detail: str

    @property
    def approved(self) -> bool:
        return self.status == "OK"


class PaymentProvider(Protocol):
    method: PaymentMethod

    def start(self, request: PaymentRequest) -> PaymentStart: ...
