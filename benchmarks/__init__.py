"""ratebench benchmarks: speed and memory as the market grows, each figure against a baseline.

Run `python -m benchmarks` (or `make bench`); `--quick` for tiny sizes, `--only crawl,writes`
for some figures. Results are printed and written to benchmarks/RESULTS.md.
"""
