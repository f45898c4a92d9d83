"""The benchmarking engine: store, normalization, bands, costs and recommendation.

It imports neither `scrapers` nor `dashboard`; both depend on it.
"""
