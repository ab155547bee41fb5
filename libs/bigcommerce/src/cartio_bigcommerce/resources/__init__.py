"""The resource methods of the BigCommerce API, one class per resource, all built on ``transport.Transport``."""
