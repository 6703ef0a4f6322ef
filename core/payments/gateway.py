"""The local test gateway: plays Opayo's hosted payment page in test mode.

It reads the portal's encrypted request, accepts Opayo's published sandbox test cards
(with the sandbox security code, an expiry date not passed and a valid Luhn check digit)
and declines any other card, then answers with Opayo's encrypted fields. The card
number and security code are only checked here, never stored or logged.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from core.config import Settings
from core.errors import InvalidInput
from core.links import portal_path
from core.payments.opayo import RETURN_PATH, decrypt, encrypt

# Opayo's sandbox test cards and the security code that passes the CV2 check.
TEST_CARDS = {
    "4929000000006": ("VISA", "123"),
    "4929000005559": ("VISA", "123"),
    "4484000000002": ("VISA", "123"),
    "4462000000000003": ("DELTA", "123"),
    "4917300000000008": ("UKE", "123"),
    "5404000000000001": ("MC", "123"),
    "5573470000000001": ("MCDEBIT", "123"),
    "6759000000005": ("MAESTRO", "123"),
    "374200000000004": ("AMEX", "1234"),
    "36000000000008": ("DC", "123"),
    "3569990000000009": ("JCB", "123"),
}


@dataclass(frozen=True)
class GatewayRequest:
    fields: dict[str, str]

    @property
    def amount(self) -> str:
        return self.fields.get("Amount", "")

    @property
    def description(self) -> str:
        return self.fields.get("Description", "")


@dataclass(frozen=True)
class CardDecision:
    status: str
    detail: str
    last4: str
    card_type: str = ""

    @property
    def approved(self) -> bool:
        return self.status == "OK"


def read_request(crypt: str, password: str) -> GatewayRequest:
    fields = decrypt(crypt, password)
    if not fields.get("VendorTxCode"):
        raise InvalidInput("This payment request is not complete.")
    return GatewayRequest(fields)


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(number)):
        doubled = digit * 2 if position % 2 else digit
        total += doubled - 9 if doubled > 9 else doubled
    return total % 10 == 0


def _expired(expiry: str, today: dt.date) -> bool | None:
    """True or False for an MMYY expiry date; None when it is not one."""
    if len(expiry) != 4 or not expiry.isdigit() or not 1 <= int(expiry[:2]) <= 12:
        return None
    return (2000 + int(expiry[2:]), int(expiry[:2])) < (today.year, today.month)


def check_card(number: str, expiry: str, security_code: str, today: dt.date) -> CardDecision:
    number = "".join(number.split())
    expiry = expiry.replace("/", "").strip()
    last4 = number[-4:] if number.isdigit() else ""
    if not luhn_valid(number):
        return CardDecision("INVALID", "The card number is not valid.", "")
    expired = _expired(expiry, today)
    if expired is None:
        return CardDecision("INVALID", "The expiry date must be MM/YY.", last4)
    if expired:
        return CardDecision("NOTAUTHED", "The card has expired.", last4)
    card_type, code = TEST_CARDS.get(number, ("", ""))
    if not card_type:
        return CardDecision("NOTAUTHED", "The card was declined by the bank.", last4)
    if security_code.strip() != code:
        return CardDecision("NOTAUTHED", "The security code does not match.", last4, card_type)
    return CardDecision("OK", "0000 : The Authorisation was Successful.", last4, card_type)


def answer_path(request: GatewayRequest, decision: CardDecision, settings: Settings) -> str:
    """Where the gateway sends the browser: the portal's own checkout, built from
    PUBLIC_URL, with the encrypted answer. The request's SuccessURL and FailureURL are
    never followed: whoever holds the password can write any address there."""
    fields = {
        "VendorTxCode": request.fields["VendorTxCode"],
        "VPSTxId": "{" + str(uuid.uuid4()).upper() + "}" if decision.approved else "",
        "Status": decision.status,
        "StatusDetail": decision.detail,
        "TxAuthNo": str(uuid.uuid4().int % 10**8) if decision.approved else "",
        "Amount": request.amount,
        "Currency": request.fields.get("Currency", ""),
        "Last4Digits": decision.last4,
        "CardType": decision.card_type,
    }
    crypt = encrypt(fields, settings.opayo_encryption_password)
    return portal_path(settings, f"{RETURN_PATH}?{urlencode({'crypt': crypt})}")
