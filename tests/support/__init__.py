"""Test helpers: the fake Slack Web API, a feed server, fact factories, Slack payloads, the real server."""
