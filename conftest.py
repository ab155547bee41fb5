pytest_plugins = ["cartio_platform.testing"]
