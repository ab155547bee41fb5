"""cartio_platform: the service kit (settings, logging, database, broker, inbox, outbox, health)."""
