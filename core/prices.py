"""The price list (data/prices.toml, or PRICE_LIST) and VAT: money in integer pence."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from core.config import get_settings
from core.errors import InvalidInput


class PricedLine:
    """Sub Total, VAT and Gross of a line with quantity, price_pence and vat_each_pence
    (a basket row and a placed order's line alike)."""

    quantity: int
    price_pence: int
    vat_each_pence: int

    @property
    def subtotal_pence(self) -> int:
        return self.quantity * self.price_pence

    @property
    def vat_pence(self) -> int:
        return self.quantity * self.vat_each_pence

    @property
    def gross_pence(self) -> int:
        return self.subtotal_pence + self.vat_pence


@dataclass(frozen=True)
class PriceItem:
    key: str
    name: str
    price_pence: int
    international: bool = False


@dataclass(frozen=True)
class PriceList:
    products: dict[str, PriceItem]
    delivery: dict[str, PriceItem]

    def product(self, key: str) -> PriceItem:
        if key not in self.products:
            raise InvalidInput("Choose a reprint or a proof-of-qualification letter.")
        return self.products[key]

    def delivery_option(self, key: str) -> PriceItem:
        if key not in self.delivery:
            raise InvalidInput("Choose a delivery option.")
        return self.delivery[key]


def _items(table: dict) -> dict[str, PriceItem]:
    return {key: PriceItem(key=key, **values) for key, values in table.items()}


@cache
def load_price_list(path: str) -> PriceList:
    with Path(path).open("rb") as handle:
        data = tomllib.load(handle)
    return PriceList(products=_items(data["products"]), delivery=_items(data["delivery"]))


def price_list() -> PriceList:
    return load_price_list(get_settings().price_list)


def vat_pence(net_pence: int, rate_percent: float | None = None) -> int:
    """VAT on one amount, rounded half up to the penny."""
    rate = get_settings().vat_rate_percent if rate_percent is None else rate_percent
    vat = Decimal(net_pence) * Decimal(str(rate)) / 100
    return int(vat.quantize(Decimal(1), rounding=ROUND_HALF_UP))
