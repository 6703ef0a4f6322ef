import streamlit as st

from ui.layout import page_title

CARDS = [
    (
        "Print Batches",
        "inventory_2",
        "print_batches",
        "Send emails to your candidates to inform them that new qualification documents "
        "are available.",
        "View print batches",
    ),
    (
        "Orders",
        "receipt_long",
        "orders",
        "View any payment orders that you have made on the website.",
        "View your orders",
    ),
    (
        "Profile",
        "person",
        "profile",
        "View and edit your user profile set up when your account was created.",
        "Profile",
    ),
    (
        "Document Downloads",
        "download",
        "downloads",
        "Download the export files created in print batches.",
        "Download requested documents",
    ),
    (
        "Search",
        "search",
        "search",
        "Search tool to find users and their qualification documents.",
        "Search certificate records",
    ),
    (
        "Support",
        "support_agent",
        "support",
        "Contact information for users requiring help with the website.",
        "Centre support",
    ),
]

page_title(
    "Centre user home",
    "Start here. Each card opens one part of the portal; the menu across the top "
    "reaches the same pages from anywhere. **Home** always brings you back.",
)
for row in (CARDS[:3], CARDS[3:]):
    for column, (title, icon, page, description, button) in zip(st.columns(3), row, strict=True):
        with column.container(border=True, height=210):
            st.subheader(f":material/{icon}: {title}")
            st.write(description)
            st.page_link(
                f"screens/{page}.py", label=button.upper(), icon=":material/arrow_forward:"
            )
