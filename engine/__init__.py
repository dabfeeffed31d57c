"""Engine: from browsing events to product recommendations, and their offline evaluation.

May import `tracker` (to read events); never imports `billing` or `widget`, and never
reads the environment: everything it needs arrives as arguments.
"""
