"""How Slack reaches the figures: slash command, mention, Find figures, Share, App Home."""
