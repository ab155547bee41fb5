"""cartio_reports."""
