from ui.exports import exports_table
from ui.layout import page_title

page_title(
    "Document Downloads",
    "Your centre's exports, newest first (staff: the exports staff made, which no centre "
    "sees). **Pending** while the PDFs are made (the "
    "progress updates by itself), **Finished** with its **Download** (a zip of one PDF "
    "per certificate), **Expired** 24 hours after it finished (the file is deleted), or "
    "**Failed** with the reason. Certificates issued before 1 November 2017 have no PDF: "
    "the export says how many, and the zip lists them. The PDFs are digital copies that "
    "cannot be printed; order printed copies instead.",
)
exports_table()
