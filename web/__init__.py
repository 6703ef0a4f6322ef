"""HTTP routes served beside the Streamlit app (Starlette): the centre API and Open Badges."""
