"""Payments behind one interface. Each provider is a small module:

- credits: Centre Credits, placed at once and invoiced later;
- opayo: card payments through Opayo's (SagePay's) hosted payment page, so the portal
  never sees a card number: the order waits for payment, the user goes to the
  provider's page, and the provider's encrypted answer settles it;
- gateway: the local test gateway that plays Opayo in test mode (PAYMENT_MODE=test).
"""

from __future__ import annotations

from core.config import Settings, get_settings
from core.errors import InvalidInput
from core.payments.base import PaymentMethod, PaymentProvider
from core.payments.credits import CentreCredits
from core.payments.opayo import OpayoForm


def provider_for(method: str, settings: Settings | None = None) -> PaymentProvider:
    if method == PaymentMethod.CREDITS:
        return CentreCredits()
    if method == PaymentMethod.CARD:
        return OpayoForm(settings or get_settings())
    raise InvalidInput("Choose how to pay: Centre Credits or card.")
