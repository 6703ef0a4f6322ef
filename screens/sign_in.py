from ui.auth import sign_in_screen

sign_in_screen()
