"""One module per family of pages; each HTML page has a JSON twin under /api."""
