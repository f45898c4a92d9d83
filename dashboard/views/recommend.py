"""recommend view (in progress)."""

import streamlit as st

st.title("recommend")
