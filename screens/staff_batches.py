import datetime as dt

import streamlit as st

from core.batches import batches_csv
from ui.batch_counts import batch_counts
from ui.batch_production import production_actions
from ui.batch_table import batch_table
from ui.batch_view import batch_view
from ui.certificates import open_dialogs
from ui.layout import page_title
from ui.services import on_demand

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
    st.download_button(
        "Download CSV (all pages)",
        data=on_demand(lambda session, actor: batches_csv(session, actor=actor, filters=filters)),
        file_name=f"batches_{dt.datetime.now():%Y-%m-%d_%H%M}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    st.subheader("Batches by centre", anchor=False)
    batch_counts(filters)
open_dialogs()
