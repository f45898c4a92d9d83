"""market view (in progress)."""

import streamlit as st

st.title("market")
