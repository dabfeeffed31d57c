"""Billing: holdout measurement, uplift statistics, revenue-share fees and invoices.

May import `tracker` (to read events); never imports `engine` or `widget`, and never
reads the environment: everything it needs arrives as arguments.
"""
