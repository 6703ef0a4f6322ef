"""Every screen, declared once: its file, title, icon, address, the roles that see it, its
menu section and the help its home card shows. The menus, the home cards and the links
between screens all come from here.

Screens live in screens/, not pages/: Streamlit runs a pages/ folder beside the entry
script as an old-style multipage app on a process's first run, which would run a screen
without the sign-in gate."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.models import Role

CENTRE_ROLES = frozenset({Role.COORDINATOR, Role.CENTRE_USER})
STAFF_ONLY = frozenset({Role.STAFF})
EVERY_ROLE = CENTRE_ROLES | STAFF_ONLY
STAFF_SECTION = "Staff"


@dataclass(frozen=True)
class Screen:
    file: str
    title: str
    icon: str
    url_path: str | None = None
    hidden: bool = False  # reached by links and buttons, not from the menu
    roles: frozenset[Role] = EVERY_ROLE
    section: str = ""  # "" is the menu's top row; other sections are drop-downs
    help: str = ""  # what the screen is for, on its home card
    card: str = ""  # the home card's button; no card without one

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

    def is_for(self, role: str) -> bool:
        return role in self.roles


SIGN_IN = Screen("sign_in", "Sign in", "login")
FORGOT_PASSWORD = Screen("forgot_password", "Forgotten password", "lock_reset", "forgot-password")
RESET_PASSWORD = Screen("reset_password", "Set a new password", "password", "reset-password")
SIGNED_OUT = [SIGN_IN, FORGOT_PASSWORD, RESET_PASSWORD]

HOME = Screen("home", "Home", "home", roles=CENTRE_ROLES)
STAFF_HOME = Screen("staff_home", "Home", "home", "staff-home", roles=STAFF_ONLY)
PRINT_BATCHES = Screen(
    "print_batches",
    "Print Batches",
    "inventory_2",
    "print-batches",
    help="Send emails to your candidates to inform them that new qualification documents "
    "are available.",
    card="View print batches",
)
ORDERS = Screen(
    "orders",
    "Orders",
    "receipt_long",
    help="View any payment orders that you have made on the website.",
    card="View your orders",
)
PROFILE = Screen(
    "profile",
    "Profile",
    "person",
    help="View and edit your user profile set up when your account was created.",
    card="Profile",
)
DOWNLOADS = Screen(
    "downloads",
    "Document Downloads",
    "download",
    "document-downloads",
    help="Download the export files created in print batches.",
    card="Download requested documents",
)
SEARCH = Screen(
    "search",
    "Search",
    "search",
    help="Search tool to find users and their qualification documents.",
    card="Search certificate records",
)
SUPPORT = Screen(
    "support",
    "Support",
    "support_agent",
    help="Contact information for users requiring help with the website.",
    card="Centre support",
)
FAQ = Screen("faq", "FAQ", "quiz")
LOGOUT = Screen("logout", "Logout", "logout")
BASKET = Screen("basket", "Basket", "shopping_cart", hidden=True)
CHECKOUT = Screen("checkout", "Checkout", "shopping_cart_checkout", hidden=True)
TEST_GATEWAY = Screen(
    "test_gateway", "Test payment gateway", "credit_card", "test-gateway", hidden=True
)

# Every signed-in screen, in menu order (the guide's order for centre users).
SIGNED_IN = [
    HOME,
    STAFF_HOME,
    PRINT_BATCHES,
    ORDERS,
    PROFILE,
    DOWNLOADS,
    SEARCH,
    SUPPORT,
    FAQ,
    LOGOUT,
    BASKET,
    CHECKOUT,
    TEST_GATEWAY,
]
HOMES = (HOME, STAFF_HOME)


def screens_for(role: str) -> list[Screen]:
    """The signed-in screens a role may open, in menu order."""
    return [screen for screen in SIGNED_IN if screen.is_for(role)]


def menu_titles(role: str, section: str = "") -> list[str]:
    return [
        screen.title
        for screen in screens_for(role)
        if screen.section == section and not screen.hidden
    ]


def home_cards(role: str) -> list[Screen]:
    """The screens a role's home page offers as cards: the top row's, then each section's."""
    screens = [screen for screen in screens_for(role) if screen.card]
    return sorted(screens, key=lambda screen: screen.section != "")


def _pages(screens: list[Screen]) -> list[st.Page]:
    return [screen.page(default=index == 0) for index, screen in enumerate(screens)]


def signed_out_pages() -> list[st.Page]:
    """The public pages, plus every signed-in page but the homes (hidden) so that an
    address such as /search?surname=obri is recognised while signed out: the sign-in form
    is drawn in its place and, once signed in, the same address opens the page it named."""
    deep_links = [screen for screen in SIGNED_IN if screen not in HOMES]
    return _pages(SIGNED_OUT) + [screen.page() for screen in deep_links]


def is_public(page: st.Page) -> bool:
    """Whether a page may be drawn for someone who has not signed in."""
    return page.url_path in {public.url_path for public in _pages(SIGNED_OUT)}


def signed_in_pages(role: str) -> dict[str, list[st.Page]]:
    """The role's menu: its home first (the default page), then sections in order."""
    sections: dict[str, list[st.Page]] = {}
    for index, screen in enumerate(screens_for(role)):
        sections.setdefault(screen.section, []).append(screen.page(default=index == 0))
    return sections
