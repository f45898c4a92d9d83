"""The ratebench spiders (one: `rates`)."""
