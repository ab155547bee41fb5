"""cartio_blacklist."""
