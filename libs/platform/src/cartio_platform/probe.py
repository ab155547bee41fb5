"""`python -m cartio_platform.probe [/readyz]`: exit 0 when this container's service answers 200 on the path.

For probes that cannot carry a secret header (a Kubernetes exec readiness probe): it sends the service token
from `CARTIO_SERVICE_TOKEN` to the service on `CARTIO_PORT` (local), as /readyz and /metrics need it.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/readyz"
    request = urllib.request.Request(
        f"http://127.0.0.1:{os.environ.get('CARTIO_PORT', '8000')}{path}",
        headers={"Authorization": f"Bearer {os.environ.get('CARTIO_SERVICE_TOKEN', '')}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310 (a fixed local http URL)
            return 0 if answer.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
