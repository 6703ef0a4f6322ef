"""The yardstick for benchmarks/search.py: a bare Streamlit page with one query.

A text box, a button, one counted and limited query, a table. What the portal's Search
page is compared with in a real browser."""

import os

import streamlit as st
from sqlalchemy import create_engine, text


@st.cache_resource
def engine():
    return create_engine(os.environ["DATABASE_URL"])


surname = st.text_input("Surname")
if st.button("Search") and surname:
    with engine().connect() as connection:
        bounds = {"low": surname.lower(), "high": surname.lower() + "~"}
        where = "surname_key >= :low AND surname_key < :high AND centre_id = 1"
        total = connection.scalar(text(f"SELECT count(*) FROM certificates WHERE {where}"), bounds)
        rows = connection.execute(
            text(
                f"SELECT number, candidate_number, surname_key FROM certificates WHERE {where} "
                "ORDER BY surname_key, first_name_key, id LIMIT 10"
            ),
            bounds,
        ).all()
    st.write(f"Found total {total:,} records")
    st.dataframe([dict(row._mapping) for row in rows])
