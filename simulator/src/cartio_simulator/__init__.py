"""cartio_simulator."""
