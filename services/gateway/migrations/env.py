from cartio_gateway.tables import metadata
from cartio_platform.migrate import run_env

run_env(metadata)
