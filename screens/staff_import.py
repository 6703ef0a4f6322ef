import streamlit as st

from core.claims import COLUMNS, claims_template
from ui.claims import import_status, recent_imports, start_import
from ui.layout import page_title

page_title(
    "Import claims",
    "Upload a CSV of certificate claims (UTF-8; the template has every column and an "
    "example row marked with #: rows starting with # are ignored). Every row is checked "
    "first: a file with any problem imports nothing and lists every problem of every row, "
    "by line. A good file becomes certificates in one Pending print batch per centre and "
    "kind, which you then move through production in *All batches*. Rows already imported "
    "are skipped, so importing the same file again creates nothing new.",
)
st.markdown(
    "Columns: " + ", ".join(f"`{column}`" for column in COLUMNS) + ". Dates as dd/mm/yyyy; "
    "`date_of_birth`, `email`, `expiry_date` and `description` may be empty; `kind` is "
    "Qualification, Quality Assured Programme or IMI Accreditation."
)
st.download_button(
    "Download the template",
    data=claims_template(),
    file_name="claims-template.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
)
with st.form("import_form", clear_on_submit=True):
    upload = st.file_uploader("Claims file", type=["csv"], key="import_file")
    if st.form_submit_button("Import", type="primary", icon=":material/upload_file:"):
        start_import(upload)
import_status()
st.subheader("Recent imports", anchor=False)
recent_imports()
