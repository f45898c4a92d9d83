"""ratebench dashboard: `streamlit run dashboard/app.py` (or `ratebench dashboard`)."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="ratebench", page_icon=":telephone_receiver:", layout="wide")

PAGES = [
    st.Page("views/market.py", title="Market", icon=":material/insights:", default=True),
    st.Page("views/competitors.py", title="Competitors", icon=":material/storefront:"),
    st.Page("views/recommend.py", title="Recommend", icon=":material/sell:"),
    st.Page("views/renewals.py", title="Renewals", icon=":material/event_repeat:"),
    st.Page("views/crawl_health.py", title="Crawl health", icon=":material/monitor_heart:"),
]

navigation = st.navigation(PAGES)
navigation.run()
