"""Widget: the deployable service that composes tracker, engine and billing.

Settings, the application factory, the HTTP APIs and the command line live here; it is
the only package that reads the environment.
"""
