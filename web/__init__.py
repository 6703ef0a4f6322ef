"""HTTP routes and middleware served beside the Streamlit app (st.App)."""
