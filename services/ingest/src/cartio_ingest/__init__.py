"""cartio_ingest."""
