"""cartio_gateway."""
