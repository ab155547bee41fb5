from cartio_ingest.app import create_app
from cartio_ingest.settings import Settings
from cartio_platform.cli import service_main

if __name__ == "__main__":
    service_main(Settings, create_app)
