"""Figures: the fact model, curated files, store, search, usage and the answers' messages."""
