"""`python -m benchmarks.dashboard_child DB`: render the Market view through AppTest, cold.

Prints one JSON line: the cold render (first run, empty caches), a warm re-run, and the
baseline (a trivial Streamlit script of a title, five metrics and a small table) in seconds.
"""

from __future__ import annotations

import json
import os
import sys
import time

from streamlit.testing.v1 import AppTest

from benchmarks.harness import ROOT

APP = ROOT / "dashboard" / "app.py"
TRIVIAL = """
import pandas as pd
import streamlit as st
st.title("Market")
cols = st.columns(5)
for i, col in enumerate(cols):
    col.metric(f"m{i}", i)
st.dataframe(pd.DataFrame({"a": range(10), "b": range(10)}))
"""


def main() -> int:
    os.environ["RATEBENCH_DB"] = sys.argv[1]
    base = AppTest.from_string(TRIVIAL, default_timeout=60)
    start = time.perf_counter()
    base.run()
    baseline = time.perf_counter() - start

    at = AppTest.from_file(str(APP), default_timeout=300)
    start = time.perf_counter()
    at.run()
    cold = time.perf_counter() - start
    errors = [str(e.value) for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    start = time.perf_counter()
    at.run()
    warm = time.perf_counter() - start
    print(json.dumps({"cold": cold, "warm": warm, "baseline": baseline, "errors": errors,
                      "metrics": metrics, "title": [t.value for t in at.title]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
