"""Addresses typed at checkout: checked, cleaned, and turned into rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core.countries import UNITED_KINGDOM, countries
from core.errors import InvalidInput
from core.models import Address
from core.payments.base import PayerAddress

# The shapes of a UK postcode (outward code, space, inward code), GIR 0AA included.
UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2})$")


@dataclass(frozen=True)
class AddressInput:
    first_names: str = ""
    surname: str = ""
    line1: str = ""
    line2: str = ""
    town: str = ""
    postcode: str = ""
    country: str = UNITED_KINGDOM

    @property
    def in_uk(self) -> bool:
        return self.country == UNITED_KINGDOM

    def lines(self) -> list[str]:
        parts = [f"{self.first_names} {self.surname}", self.line1, self.line2, self.town]
        return [part.strip() for part in [*parts, self.postcode, self.country] if part.strip()]


def _uk_postcode(postcode: str) -> str:
    compact = "".join(postcode.upper().split())
    if not UK_POSTCODE.match(compact):
        raise InvalidInput(f"“{postcode}” is not a UK postcode (for example SW1A 1AA).")
    return f"{compact[:-3]} {compact[-3:]}"


def check_address(address: AddressInput, what: str, *, to_person: bool = True) -> AddressInput:
    """The address cleaned, or InvalidInput naming what is missing or wrong. A centre's
    address on file (`to_person=False`) is addressed to an office: its first line
    ("first_names") names it, and no surname is asked for."""
    cleaned = replace(address, **{k: " ".join(v.split()) for k, v in vars(address).items()})
    if to_person:
        required = {"first names": cleaned.first_names, "surname": cleaned.surname}
    else:
        required = {"addressee (a person or an office)": cleaned.first_names}
    required |= {"address line 1": cleaned.line1, "town or city": cleaned.town}
    missing = [label for label, value in required.items() if not value]
    if missing:
        raise InvalidInput(f"{what} address: enter the {', '.join(missing)}.")
    if any(len(value) > 100 for value in vars(cleaned).values()):
        raise InvalidInput(f"{what} address: each line holds at most 100 characters.")
    if cleaned.country not in countries():
        raise InvalidInput(f"{what} address: choose a country from the list.")
    if cleaned.in_uk:
        return replace(cleaned, postcode=_uk_postcode(cleaned.postcode))
    return cleaned


def address_row(address: AddressInput) -> Address:
    return Address(
        name=f"{address.first_names} {address.surname}".strip(),
        line1=address.line1,
        line2=address.line2,
        town=address.town,
        postcode=address.postcode,
        country=address.country,
    )


def copy_row(address: Address) -> Address:
    """A copy for an order, so later changes to the centre's address keep its history."""
    return Address(
        **{
            k: getattr(address, k)
            for k in ("name", "line1", "line2", "town", "postcode", "country")
        }
    )


def address_input(address: Address | None) -> AddressInput:
    """An address on file as the form that edits it (the addressee in one field)."""
    if address is None:
        return AddressInput()
    fields = ("line1", "line2", "town", "postcode", "country")
    return AddressInput(first_names=address.name, **{k: getattr(address, k) for k in fields})


def address_lines(address: Address | None) -> list[str]:
    if address is None:
        return []
    parts = (address.name, address.line1, address.line2, address.town, address.postcode)
    return [part for part in (*parts, address.country) if part]


def payer(address: AddressInput) -> PayerAddress:
    return PayerAddress(
        first_names=address.first_names,
        surname=address.surname,
        line1=address.line1,
        line2=address.line2,
        town=address.town,
        postcode=address.postcode,
        country_code=countries()[address.country],
    )
