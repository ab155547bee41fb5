"""cartio_carts."""
