"""Wiring: settings, the Bolt app, the web server and the ``factbot`` CLI."""
