"""How the website reaches campaign alerts: ``POST /campaign-updates``."""
