from ui.two_factor import enrolment_screen

enrolment_screen()
