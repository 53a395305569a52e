"""How the website and Slack reach enquiries: ``POST /enquiries`` and the enquiry buttons."""
