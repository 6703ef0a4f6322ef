"""HTTP routes and middleware served beside the Streamlit app (st.App): sign-in cookies,
downloads, the centre API and Open Badges."""
