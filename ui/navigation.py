"""Which screens each role sees. They live in screens/, not pages/: Streamlit runs a
pages/ folder beside the entry script as an old-style multipage app on a process's
first run, which would run a screen without the sign-in gate."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Screen:
    file: str
    title: str
    icon: str
    url_path: str | None = None
    hidden: bool = False  # reached by links and buttons, not from the menu

    @property
    def path(self) -> str:
        return f"screens/{self.file}.py"

    def page(self, default: bool = False) -> st.Page:
        return st.Page(
            self.path,
            title=self.title,
            icon=f":material/{self.icon}:",
            url_path=self.url_path,
            default=default,
            visibility="hidden" if self.hidden else "visible",
        )


SIGNED_OUT = [
    Screen("sign_in", "Sign in", "login"),
    Screen("forgot_password", "Forgotten password", "lock_reset", "forgot-password"),
    Screen("reset_password", "Set a new password", "password", "reset-password"),
]
# The menu across the top, in the guide's order.
SIGNED_IN = [
    Screen("home", "Home", "home"),
    Screen("print_batches", "Print Batches", "inventory_2", "print-batches"),
    Screen("orders", "Orders", "receipt_long"),
    Screen("profile", "Profile", "person"),
    Screen("downloads", "Document Downloads", "download", "document-downloads"),
    Screen("search", "Search", "search"),
    Screen("support", "Support", "support_agent"),
    Screen("faq", "FAQ", "quiz"),
    Screen("logout", "Logout", "logout"),
    Screen("basket", "Basket", "shopping_cart", hidden=True),
    Screen("checkout", "Checkout", "shopping_cart_checkout", hidden=True),
    Screen("test_gateway", "Test payment gateway", "credit_card", "test-gateway", hidden=True),
]


def _pages(screens: list[Screen]) -> list[st.Page]:
    return [screen.page(default=index == 0) for index, screen in enumerate(screens)]


def signed_out_pages() -> list[st.Page]:
    """The public pages, plus every signed-in page (hidden) so that an address such as
    /search?surname=obri is recognised while signed out: the sign-in form is drawn in
    its place and, once signed in, the same address opens the page it named."""
    return _pages(SIGNED_OUT) + [screen.page() for screen in SIGNED_IN[1:]]


def is_public(page: st.Page) -> bool:
    """Whether a page may be drawn for someone who has not signed in."""
    return page.url_path in {public.url_path for public in _pages(SIGNED_OUT)}


def signed_in_pages() -> list[st.Page]:
    return _pages(SIGNED_IN)
