"""Presenters: each family's context, built from the services' results and shared by a page
and its JSON twin. They read through the services and know nothing of HTTP."""
