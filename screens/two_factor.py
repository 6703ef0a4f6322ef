from ui.layout import page_title
from ui.two_factor import enrolment

page_title(
    "Two-factor sign-in",
    "Two-factor sign-in asks, after your password, for a six-digit code from an "
    "authenticator app on your phone. Scan the QR code with the app (or type the secret "
    "key), then type the code it shows to turn it on. You then get ten recovery codes, "
    "shown once: each signs you in once if you lose your phone. Staff must use it; a "
    "centre's coordinator may require it of everyone at the centre. Lost your phone and "
    "your recovery codes? Ask the awarding body's staff to reset it.",
)
enrolment()
