"""Website enquiries: the form and record, the archive, urgent triage and the enquiry messages."""
