"""The pure core: the fact model, curated files, store, search and rendering.

Nothing in this package imports Slack or HTTP code.
"""
