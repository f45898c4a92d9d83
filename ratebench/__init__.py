"""ratebench: the composition root tying scrapers, benchmark and dashboard together."""
