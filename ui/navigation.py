"""Every screen, declared once: its file, title, icon, address, the roles that see it, its
menu section and the help its home card shows. The menus, the home cards and the links
between screens all come from here.

Screens live in screens/, not pages/: Streamlit runs a pages/ folder beside the entry
script as an old-style multipage app on a process's first run, which would run a screen
without the sign-in gate."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.config import get_settings
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
    staff_help: str = ""  # the card's text on the staff home, where it differs
    staff_card: str = ""  # the card's button on the staff home, where it differs

    def help_for(self, role: str) -> str:
        return self.staff_help if self.staff_help and role == Role.STAFF else self.help

    def card_for(self, role: str) -> str:
        return self.staff_card if self.staff_card and role == Role.STAFF else self.card

    @property
    def path(self) -> str:
        return f"screens/{self.file}.py"

    @property
    def address(self) -> str:
        """The screen's address in the browser (Streamlit names it after the file when
        no url_path is given), for links that carry a query such as ?order=ID."""
        return self.url_path or self.file

    def page(self, default: bool = False, hidden: bool | None = None) -> st.Page:
        hidden = self.hidden if hidden is None else hidden
        return st.Page(
            self.path,
            title=self.title,
            icon=f":material/{self.icon}:",
            url_path=self.url_path,
            default=default,
            visibility="hidden" if hidden else "visible",
        )

    def is_for(self, role: str) -> bool:
        return role in self.roles


SIGN_IN = Screen("sign_in", "Sign in", "login")
FORGOT_PASSWORD = Screen("forgot_password", "Forgotten password", "lock_reset", "forgot-password")
RESET_PASSWORD = Screen("reset_password", "Set a new password", "password", "reset-password")
SIGNED_OUT = [SIGN_IN, FORGOT_PASSWORD, RESET_PASSWORD]
# Public pages, signed in or out, never in a menu: reached from a certificate's QR code
# or a candidate's email.
VERIFY = Screen("verify", "Verify a certificate", "verified", "verify", hidden=True)
MY_CERTIFICATE = Screen(
    "my_certificate", "Your certificate", "workspace_premium", "my-certificate", hidden=True
)
PUBLIC = [VERIFY, MY_CERTIFICATE]

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
    staff_help="Every centre's print batches as the centres see them; tick one to move it "
    "through production.",
)
ORDERS = Screen(
    "orders",
    "Orders",
    "receipt_long",
    help="View any payment orders that you have made on the website.",
    card="View your orders",
    staff_help="Every centre's orders, with their payment, delivery and status history.",
    staff_card="View every centre's orders",
)
ORDER = Screen("order", "Order", "receipt", hidden=True)  # one order: order?order=ID
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
    staff_help="Find any centre's certificates by number, candidate, name or date of birth.",
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
# Orders are a centre's purchases: staff place none (core refuses them too).
TWO_FACTOR = Screen("two_factor", "Two-factor sign-in", "phonelink_lock", "two-factor", hidden=True)
BASKET = Screen("basket", "Basket", "shopping_cart", hidden=True, roles=CENTRE_ROLES)
CHECKOUT = Screen("checkout", "Checkout", "shopping_cart_checkout", hidden=True, roles=CENTRE_ROLES)
TEST_GATEWAY = Screen(
    "test_gateway", "Test payment gateway", "credit_card", "test-gateway", hidden=True
)
REVOKE = Screen(
    "revoke",
    "Revoke certificate",
    "block",
    "revoke-certificate",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Withdraw a certificate, with the reason: Verify then says Revoked, exports leave "
    "it out and reprints are refused.",
    card="Revoke a certificate",
)

ALL_BATCHES = Screen(
    "staff_batches",
    "All batches",
    "inventory",
    "all-batches",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Every centre's print batches: counts by status, a CSV, and moving a batch "
    "through production to Complete.",
    card="All batches",
)
IMPORT_CLAIMS = Screen(
    "staff_import",
    "Import claims",
    "upload_file",
    "import-claims",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Upload a CSV of certificate claims; each centre gets a Pending print batch.",
    card="Import claims",
)
STAFF_CENTRES = Screen(
    "staff_centres",
    "Centres",
    "apartment",
    "staff-centres",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Create and edit centres and the addresses Centre Credits orders use.",
    card="Manage centres",
)
STAFF_USERS = Screen(
    "staff_users",
    "Users",
    "group",
    "staff-users",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Add users, change roles, disable or unlock accounts; answer requests for users.",
    card="Manage users",
)
STAFF_ORDERS = Screen(
    "staff_orders",
    "All orders",
    "local_shipping",
    "staff-orders",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Every centre's orders: change their status (dispatching or cancelling emails "
    "whoever placed the order); the month's invoicing CSV.",
    card="Process orders",
)
STAFF_PROBLEMS = Screen(
    "staff_problems",
    "All problem reports",
    "report",
    "staff-problems",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Every centre's problem reports: assign them, reply, and resolve them (a reply or "
    "a resolution emails whoever reported it).",
    card="Answer problem reports",
)
STAFF_OUTBOX = Screen(
    "staff_outbox",
    "Outbox",
    "outgoing_mail",
    "staff-outbox",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Every email queued and sent, with its status and text.",
    card="Read the outbox",
)
STAFF_AUDIT = Screen(
    "staff_audit",
    "Audit log",
    "history",
    "staff-audit",
    roles=STAFF_ONLY,
    section=STAFF_SECTION,
    help="Who changed what and when, with the value before and after.",
    card="Read the audit log",
)

# Every signed-in screen, in menu order (the guide's order for centre users).
SIGNED_IN = [
    HOME,
    STAFF_HOME,
    PRINT_BATCHES,
    ORDERS,
    ORDER,
    PROFILE,
    DOWNLOADS,
    SEARCH,
    SUPPORT,
    FAQ,
    LOGOUT,
    TWO_FACTOR,
    BASKET,
    CHECKOUT,
    TEST_GATEWAY,
    IMPORT_CLAIMS,
    ALL_BATCHES,
    REVOKE,
    STAFF_CENTRES,
    STAFF_USERS,
    STAFF_ORDERS,
    STAFF_PROBLEMS,
    STAFF_OUTBOX,
    STAFF_AUDIT,
]
HOMES = (HOME, STAFF_HOME)


def _exists(screen: Screen) -> bool:
    """The test gateway exists only while card payments are test ones: in production
    (unless a staging site says so) its address answers as any unknown page does."""
    return screen is not TEST_GATEWAY or get_settings().test_payments


def screens_for(role: str) -> list[Screen]:
    """The signed-in screens a role may open, in menu order."""
    return [screen for screen in SIGNED_IN if screen.is_for(role) and _exists(screen)]


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
    return _pages(SIGNED_OUT) + [
        screen.page() for screen in signed_out_screens()[len(SIGNED_OUT) :]
    ]


def signed_out_screens() -> list[Screen]:
    """The screens whose addresses are known while signed out (see signed_out_pages)."""
    deep_links = [screen for screen in SIGNED_IN if screen not in HOMES and _exists(screen)]
    return SIGNED_OUT + PUBLIC + deep_links


def is_public(page: st.Page) -> bool:
    """Whether a page may be drawn for someone who has not signed in."""
    public = _pages(SIGNED_OUT) + [screen.page() for screen in PUBLIC]
    return page.url_path in {screen.url_path for screen in public}


def opens_home_after_sign_in(page: st.Page) -> bool:
    """Whether signing in on a page drawn in place of `page` goes Home instead: Log out
    (the address a user is left on after logging out) is nowhere anyone means to go."""
    return page.url_path == LOGOUT.page().url_path


ENROLMENT = (TWO_FACTOR, LOGOUT)


def enrolment_pages(role: str) -> list[st.Page]:
    """The menu while two-factor sign-in is required of the user and not set up: setting
    it up and Logout. The role's other pages are known but hidden, so that an address
    such as /staff-users draws the set-up page in its place (not "Page not found") and
    opens once it is done."""
    others = [screen.page(hidden=True) for screen in screens_for(role) if screen not in ENROLMENT]
    return [TWO_FACTOR.page(default=True, hidden=False), LOGOUT.page(), *others]


def is_enrolment(page: st.Page) -> bool:
    """Whether a page may be drawn for a user who must set up two-factor sign-in."""
    return page.url_path in {screen.page().url_path for screen in ENROLMENT}


def signed_in_pages(role: str) -> dict[str, list[st.Page]]:
    """The role's menu: its home first (the default page), then sections in order."""
    sections: dict[str, list[st.Page]] = {}
    for index, screen in enumerate(screens_for(role)):
        sections.setdefault(screen.section, []).append(screen.page(default=index == 0))
    sections.setdefault("", []).extend(screen.page() for screen in PUBLIC)  # hidden
    return sections
