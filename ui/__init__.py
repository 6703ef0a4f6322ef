"""Streamlit pieces shared by pages."""
