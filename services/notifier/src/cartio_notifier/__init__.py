"""cartio_notifier."""
