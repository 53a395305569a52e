"""Campaign alerts: feeds, campaign updates, figure-change and digest cards, their state."""
