from ui.home import home_page

home_page(
    "Centre user home",
    "Start here. Each card opens one part of the portal; the menu across the top "
    "reaches the same pages from anywhere. **Home** always brings you back.",
)
