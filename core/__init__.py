"""The domain of the Digital Certificates portal. Never imports streamlit."""
