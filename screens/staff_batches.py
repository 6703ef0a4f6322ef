import streamlit as st

from ui.batch_counts import batch_counts
from ui.batch_production import production_actions
from ui.batch_table import batch_table
from ui.batch_view import batch_view
from ui.certificates import open_dialogs
from ui.layout import page_title
from web.downloads import batches_csv_link

page_title(
    "All batches",
    "Every centre's print batches, newest first. Filter by **Centre** (its number or part "
    "of its name) beside the centres' own filters; **Download CSV** saves every batch the "
    "filters find, not only this page. Tick a batch to move it through production: "
    "Pending, Printing, then Complete (its centre may then export it and email its "
    "candidates), or Failed with the reason, which the centre sees; once moved it is let "
    "go, so tick it again to move it on. *Batches by centre* "
    "counts each centre's batches by status under the same filters.",
)
if "batch" in st.query_params:
    batch_view(st.query_params["batch"])
else:
    filters = batch_table(production_actions)
    st.link_button(
        "Download CSV (all pages)", batches_csv_link(filters), icon=":material/download:"
    )
    st.subheader("Batches by centre", anchor=False)
    batch_counts(filters)
open_dialogs()
