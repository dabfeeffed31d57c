"""Tracker: the event schema, shops and their keys, durable ingestion and stream readers.

Imports nothing of the other Basketlift packages; engine, billing and widget import it.
"""
