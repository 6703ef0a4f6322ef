from ui.home import home_page

home_page(
    "Staff home",
    "The awarding body's console. The cards open the pages every centre user has, seen "
    "across all centres, and the **Staff** menu holds the work done at the awarding body: "
    "claims, batches, centres and users, orders, problem reports, the outbox and the audit log.",
)
