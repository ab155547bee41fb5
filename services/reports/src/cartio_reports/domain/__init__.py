"""Pure rules of the reports service: days in the store's time zone, per-cart funnel facts, product counters."""
