"""Slack listeners and web endpoints: one thin module per surface.

Each module exposes ``register(app, ...)`` (Slack) or a Starlette endpoint
(web). They translate between Slack or HTTP and the pure core in ``facts``.
"""
