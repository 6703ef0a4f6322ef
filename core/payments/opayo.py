"""Card payments through Opayo (formerly SagePay) Form: the hosted payment page.

The portal sends the browser to the provider with an encrypted request (the `Crypt`
field: AES-128-CBC, PKCS#7 padding, key and IV the vendor's encryption password, hex
with a leading '@'), and the provider sends the browser back to our SuccessURL or
FailureURL with an encrypted answer. Only someone holding the password can write an
answer, so the answer itself is the proof. The card number never reaches the portal.
In test mode the provider is the local test gateway (core/payments/gateway.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from core.config import DEFAULT_OPAYO_PASSWORD, Settings
from core.errors import InvalidInput
from core.links import portal_path
from core.payments.base import (
    PayerAddress,
    PaymentAnswer,
    PaymentMethod,
    PaymentRequest,
    PaymentStart,
)

PROTOCOL = "4.00"
TEST_GATEWAY_PATH = "test-gateway"
RETURN_PATH = "checkout"
CURRENCY = "GBP"
BAD_ANSWER = "The payment provider's answer could not be read; nothing was changed."


def _cipher(password: str) -> Cipher:
    key = password.encode()
    return Cipher(algorithms.AES(key), modes.CBC(key))


def encrypt(fields: dict[str, str], password: str) -> str:
    plain = "&".join(f"{name}={value}" for name, value in fields.items()).encode()
    padder = padding.PKCS7(128).padder()
    encryptor = _cipher(password).encryptor()
    sealed = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    return "@" + sealed.hex().upper()


def decrypt(crypt: str, password: str) -> dict[str, str]:
    """The fields of an encrypted request or answer; InvalidInput if it is not one."""
    try:
        sealed = bytes.fromhex(crypt.removeprefix("@"))
        decryptor = _cipher(password).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        padded = decryptor.update(sealed) + decryptor.finalize()
        plain = (unpadder.update(padded) + unpadder.finalize()).decode()
    except ValueError as error:
        raise InvalidInput(BAD_ANSWER) from error
    return dict(pair.split("=", 1) for pair in plain.split("&") if "=" in pair)


def _clean(value: str) -> str:
    """Form's fields are neither escaped nor encoded: keep '&' and '=' out of values."""
    return value.replace("&", " and ").replace("=", " ")[:100]


def _address_fields(prefix: str, address: PayerAddress) -> dict[str, str]:
    return {
        f"{prefix}Surname": address.surname,
        f"{prefix}Firstnames": address.first_names,
        f"{prefix}Address1": address.line1,
        f"{prefix}Address2": address.line2,
        f"{prefix}City": address.town,
        f"{prefix}PostCode": address.postcode,
        f"{prefix}Country": address.country_code,
    }


def vendor_tx_code(order_id: int, token: str) -> str:
    return f"DC{order_id}-{token}"


class OpayoForm:
    method = PaymentMethod.CARD

    def __init__(self, settings: Settings) -> None:
        live = settings.payment_mode == "live"
        if live and settings.opayo_encryption_password == DEFAULT_OPAYO_PASSWORD:
            raise RuntimeError("PAYMENT_MODE=live needs OPAYO_ENCRYPTION_PASSWORD set")
        self.settings = settings
        self.live = live
        self.return_url = settings.address(RETURN_PATH)
        self.vendor = settings.opayo_vendor
        self.password = settings.opayo_encryption_password

    def request_fields(self, request: PaymentRequest) -> dict[str, str]:
        fields = {
            "VendorTxCode": vendor_tx_code(request.order_id, request.token),
            "Amount": pounds(request.amount_pence),
            "Currency": CURRENCY,
            "Description": request.description,
            "SuccessURL": self.return_url,
            "FailureURL": self.return_url,
            "CustomerEMail": request.email,
            **_address_fields("Billing", request.billing),
            **_address_fields("Delivery", request.delivery),
        }
        return {name: _clean(value) for name, value in fields.items()}

    def start(self, request: PaymentRequest) -> PaymentStart:
        """Live: the fields the browser posts to Opayo's page (OPAYO_FORM_URL, a setting,
        never an address from a request). Test: the portal's own test gateway page."""
        fields = {
            "VPSProtocol": PROTOCOL,
            "TxType": "PAYMENT",
            "Vendor": self.vendor,
            "Crypt": encrypt(self.request_fields(request), self.password),
        }
        if self.live:
            return PaymentStart(
                settled=False, redirect_url=self.settings.opayo_form_url, form_fields=fields
            )
        path = portal_path(self.settings, f"{TEST_GATEWAY_PATH}?{urlencode(fields)}")
        return PaymentStart(settled=False, redirect_url=path)

    def read_answer(self, crypt: str) -> PaymentAnswer:
        """The answer's fields, unchecked: core.checkout compares them with the order."""
        fields = decrypt(crypt, self.password)
        code = fields.get("VendorTxCode", "")
        order_id, _, token = code.removeprefix("DC").partition("-")
        known = code.startswith("DC") and order_id.isdigit() and len(order_id) < 10 and token
        return PaymentAnswer(
            order_id=int(order_id) if known else None,
            token=token if known else "",
            vendor_tx_code=code[:80],
            status=fields.get("Status", "")[:20],
            amount=fields.get("Amount", "")[:20],
            currency=fields.get("Currency", "")[:10],
            transaction_id=fields.get("VPSTxId", "")[:64],
            last4=fields.get("Last4Digits", "")[:4],
            detail=fields.get("StatusDetail", "")[:300],
        )


_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\.[0-9]{2}")


def answer_pence(amount: str) -> int | None:
    """An answer's Amount in pence ("1,234.56" is 123456); None unless it is one, with
    exactly two decimals."""
    if not _AMOUNT.fullmatch(amount):
        return None
    return int(amount.replace(",", "").replace(".", ""))


def pounds(pence: int) -> str:
    """Pence as Opayo writes an amount: 25.88."""
    whole, rest = divmod(pence, 100)
    return f"{whole}.{rest:02d}"
