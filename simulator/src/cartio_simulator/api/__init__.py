"""The BigCommerce REST API (v2, v3) and OAuth token endpoint as the simulator serves them."""
