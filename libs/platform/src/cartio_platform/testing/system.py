"""The whole system as real processes on free ports: the simulator and every service of `SERVICES`.

Each `System` has its own databases and broker namespace, so it never meets another test run's messages.
A new service joins by one line in `SERVICES`; every process is told every service's URL
(`CARTIO_<NAME>_URL`), so the gateway finds it. Services' integration tests and `tests/e2e` import it from here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from cartio_platform.security import webhook_secret
from cartio_platform.testing import Infra, Process, TempDatabases, delete_namespace, free_port, migrate, wait_until

WEBHOOK_KEY = "e2e-webhook-key"
SERVICE_TOKEN = "e2e-service-token"
LOG_DIR = Path.cwd() / "test-logs"  # the repository root, where pytest runs


@dataclass(frozen=True)
class Service:
    name: str  # also its settings' prefix: CARTIO_<NAME>_URL
    module: str  # started as `python -m <module> serve` (and `migrate`)
    has_database: bool


SERVICES: list[Service] = [
    Service("ingest", "cartio_ingest", has_database=False),
    Service("carts", "cartio_carts", has_database=True),
    Service("gateway", "cartio_gateway", has_database=True),
    Service("blacklist", "cartio_blacklist", has_database=True),
    Service("reports", "cartio_reports", has_database=True),
    Service("notifier", "cartio_notifier", has_database=True),
]


@dataclass
class Merchant:
    """A logged-in staff member of one store: a client with the session cookie and the CSRF token."""

    store_hash: str
    client: httpx.AsyncClient
    csrf: str

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.client.get(path, **kw)

    async def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kw.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kw)


@dataclass
class System:
    infra: Infra
    namespace: str
    databases: TempDatabases
    name: str = "e2e"
    # Environment of every process (after the defaults), and of one process only (after that).
    extra_env: dict[str, str] = field(default_factory=dict)
    process_env: dict[str, dict[str, str]] = field(default_factory=dict)
    webhook_key: str = WEBHOOK_KEY
    service_token: str = SERVICE_TOKEN
    processes: dict[str, Process] = field(default_factory=dict)
    db_urls: dict[str, str] = field(default_factory=dict)
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def url(self, name: str) -> str:
        return self.processes[name].url

    @property
    def sim(self) -> str:
        return self.url("simulator")

    async def start(self) -> None:
        names = ["simulator", "smtp", *(service.name for service in SERVICES)]
        ports = {n: free_port() for n in names}
        sim = f"http://127.0.0.1:{ports['simulator']}"
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        ingest = f"http://127.0.0.1:{ports['ingest']}"
        for service in SERVICES:
            if service.has_database:
                self.db_urls[service.name] = await self.databases.create(f"{self.name}_{service.name}")
        common = {
            "CARTIO_ENVIRONMENT": "development",
            "CARTIO_NAMESPACE": self.namespace,
            "CARTIO_AMQP_URL": self.infra.amqp_url,
            "CARTIO_LOG_JSON": "true",
            "CARTIO_SERVICE_TOKEN": self.service_token,
            "CARTIO_WEBHOOK_KEY": self.webhook_key,
            "CARTIO_BC_API_URL": sim,
            "CARTIO_BC_LOGIN_URL": sim,
            "CARTIO_PUBLIC_GATEWAY_URL": gateway,
            "CARTIO_PUBLIC_INGEST_URL": ingest,
            **{f"CARTIO_{s.name.upper()}_URL": f"http://127.0.0.1:{ports[s.name]}" for s in SERVICES},
            "CARTIO_SMTP_HOST": "127.0.0.1",
            "CARTIO_SMTP_PORT": str(ports["smtp"]),
            "CARTIO_COOKIE_SECURE": "false",
            "CARTIO_RETRY_DELAYS": "[0.2, 0.5, 1, 2]",
            "CARTIO_OUTBOX_POLL_INTERVAL": "0.5",
            "SIM_PORT": str(ports["simulator"]),
            "SIM_SMTP_PORT": str(ports["smtp"]),
            "SIM_PUBLIC_URL": sim,
            "SIM_TIME_SCALE": "0.01",
            "SIM_APP_AUTH_URL": f"{gateway}/bigcommerce/auth",
            "SIM_APP_LOAD_URL": f"{gateway}/bigcommerce/load",
            "SIM_APP_UNINSTALL_URL": f"{gateway}/bigcommerce/uninstall",
            "SIM_APP_REMOVE_USER_URL": f"{gateway}/bigcommerce/remove_user",
            "SIM_INGEST_BEACON_URL": f"{ingest}/storefront/events",
            **self.extra_env,
        }
        LOG_DIR.mkdir(exist_ok=True)
        modules = {"simulator": "cartio_simulator", **{s.name: s.module for s in SERVICES}}
        for name, module in modules.items():
            env = {**common, **self.process_env.get(name, {}), "CARTIO_PORT": str(ports[name])}
            if name in self.db_urls:
                env["CARTIO_DATABASE_URL"] = self.db_urls[name]
            self.processes[name] = Process(
                name=f"{self.name}-{name}", module=module, port=ports[name], env=env, log_dir=LOG_DIR
            )
        # The processes without a database start while the databases are migrated: Python's start-up dominates.
        for name, process in self.processes.items():
            if name not in self.db_urls:
                process.start()
        await asyncio.gather(
            *(asyncio.to_thread(migrate, modules[s], url) for s, url in self.db_urls.items())
        )
        for name in self.db_urls:
            self.processes[name].start()
        await asyncio.gather(*(self._ready(name) for name in self.processes))

    async def _ready(self, name: str) -> None:
        await self.processes[name].wait_ready("/_sim/store" if name == "simulator" else "/readyz")

    def stop_process(self, name: str) -> None:
        """Stop one process (SIGTERM, then SIGKILL); `start_process` brings it back on the same port."""
        self.processes[name].stop()

    async def start_process(self, name: str) -> None:
        """Start a stopped process again, with the same settings and port, and wait until it is ready."""
        process = self.processes[name]
        if process.proc is None or process.proc.poll() is not None:
            process.start()
        await self._ready(name)

    async def stop(self) -> None:
        for client in self.clients:
            await client.aclose()
        # Ask every process to stop at once (each shuts down gracefully), then wait for each.
        for process in self.processes.values():
            if process.proc is not None and process.proc.poll() is None:
                process.proc.terminate()
        for process in self.processes.values():
            process.stop()
        # This system's queues go with it: quorum queues left for the session's end pile up (hundreds in a full
        # run) until the shared broker runs out of file handles.
        await delete_namespace(self.infra.amqp_url, self.namespace)

    def logs(self) -> str:
        return "\n".join(f"--- {n} ---\n{p.tail(30)}" for n, p in self.processes.items())

    async def metric(self, service: str, name: str, **labels: str) -> float:
        """The sum of a Prometheus metric's samples with these labels, read from the service's /metrics."""
        async with httpx.AsyncClient(base_url=self.url(service), timeout=10,
                                     headers=self.processes[service].operator_headers) as client:
            text = (await client.get("/metrics")).text
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total

    async def consumed(self, service: str, purpose: str, outcome: str) -> int:
        queue = f"{self.namespace}.{service}.{purpose}"
        return int(await self.metric(service, "cartio_messages_consumed_total", queue=queue, outcome=outcome))

    # --- the simulator's control API -------------------------------------------------------------------

    async def sim_call(self, method: str, path: str, store: str | None = None, **kw: Any) -> httpx.Response:
        params = {**kw.pop("params", {}), **({"store": store} if store else {})}
        async with httpx.AsyncClient(base_url=self.sim, timeout=30) as client:
            return await client.request(method, path, params=params, **kw)

    async def new_store(self) -> str:
        answer = await self.sim_call("POST", "/_sim/stores")
        assert answer.status_code in (200, 201), answer.text
        store_hash: str = answer.json()["store_hash"]
        return store_hash

    async def install(self, store: str | None = None) -> str:
        """Install the app into `store` (default: the simulator's first) and return its hash."""
        if store is None:
            store = (await self.sim_call("GET", "/_sim/store")).json()["store_hash"]
        answer = await self.sim_call("POST", "/_sim/install", store=store)
        assert answer.status_code in (200, 201), f"install failed: {answer.text}\n{self.logs()}"
        return store

    async def merchant(self, store: str, *, user_id: int | None = None, email: str | None = None) -> Merchant:
        """Open the app as BigCommerce would (load callback with a signed JWT) and return the session."""
        params: dict[str, Any] = {}
        if user_id is not None:
            params["user_id"] = user_id
        if email is not None:
            params["email"] = email
        token = (await self.sim_call("GET", "/_sim/jwt", store=store, params=params)).json()["signed_payload_jwt"]
        client = httpx.AsyncClient(base_url=self.url("gateway"), timeout=30)
        self.clients.append(client)
        loaded = await client.get("/bigcommerce/load", params={"signed_payload_jwt": token})
        assert loaded.status_code in (200, 302, 303, 307), f"load failed: {loaded.status_code} {loaded.text}"
        me = await client.get("/api/me")
        assert me.status_code == 200, me.text
        assert me.json()["store_hash"] == store
        return Merchant(store, client, me.json()["csrf_token"])

    async def shopper_cart(self, store: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        answer = await self.sim_call("POST", "/_sim/carts", store=store, json={"items": items, **extra})
        assert answer.status_code == 201, answer.text
        cart: dict[str, Any] = answer.json()
        inner: dict[str, Any] = cart.get("data", cart)
        return inner

    async def products(self) -> list[dict[str, Any]]:
        answer = (await self.sim_call("GET", "/_sim/products")).json()
        items: list[dict[str, Any]] = answer.get("data", answer) if isinstance(answer, dict) else answer
        return items

    # --- BigCommerce's side of a webhook, for duplicate and stale deliveries ------------------------------

    def webhook(self, store: str, scope: str, cart_id: str, created_at: int | None = None) -> dict[str, Any]:
        data = {"type": "cart", "id": cart_id}
        return {
            "scope": scope,
            "store_id": "1",
            "producer": f"stores/{store}",
            "data": data,
            "hash": hashlib.sha1(json.dumps(data, separators=(",", ":")).encode()).hexdigest(),  # noqa: S324 as BigCommerce
            "created_at": created_at or int(time.time()),
        }

    async def webhook_secret(self, store: str) -> str:
        """The secret BigCommerce sends with the store's webhooks: the header of the hooks the app registered
        (it changes at every install); without hooks, the one made of the install's nonce the gateway keeps; for a
        store the gateway does not know, the one an install without a nonce would have had."""
        hooks = (await self.sim_call("GET", "/_sim/hooks", store=store)).json()
        for hook in hooks if isinstance(hooks, list) else []:
            if secret := (hook.get("headers") or {}).get("X-Cartio-Secret"):
                return str(secret)
        # No hook (a test removed them to send its own webhooks): the install's nonce from the gateway.
        async with httpx.AsyncClient(base_url=self.url("gateway"), timeout=10,
                                     headers={"Authorization": f"Bearer {self.service_token}"}) as client:
            answer = await client.get("/internal/webhook-secrets")
        nonces = {s["store_hash"]: s["webhook_nonce"] for s in answer.json()["stores"]} if answer.is_success else {}
        return webhook_secret(self.webhook_key, store, nonces.get(store))

    async def post_webhook(
        self, store: str, payload: dict[str, Any], secret: str | None = "derive",  # noqa: S107 (no password)
        webhook_id: str | None = None,
    ) -> httpx.Response:
        headers = {"webhook-id": webhook_id} if webhook_id else {}
        if secret == "derive":
            headers["X-Cartio-Secret"] = await self.webhook_secret(store)
        elif secret is not None:
            headers["X-Cartio-Secret"] = secret
        async with httpx.AsyncClient(base_url=self.url("ingest"), timeout=30) as client:
            return await client.post("/webhooks/bigcommerce", json=payload, headers=headers)

    async def beacon(self, store: str, cart_id: str, session_id: str, *, ip: str | None = None,
                     user_agent: str | None = None) -> httpx.Response:
        """What the storefront script sends to ingest on a page view (from behind a trusted proxy when `ip`)."""
        headers = {}
        if ip is not None:
            headers["X-Forwarded-For"] = ip
        if user_agent is not None:
            headers["User-Agent"] = user_agent
        body = {"store_hash": store, "cart_id": cart_id, "session_id": session_id}
        async with httpx.AsyncClient(base_url=self.url("ingest"), timeout=30) as client:
            return await client.post("/storefront/events", json=body, headers=headers)

    async def wait_for_cart(self, merchant: Merchant, cart_id: str, predicate: Any = None,
                            timeout: float = 10.0) -> dict[str, Any]:
        async def seen() -> dict[str, Any] | None:
            answer = await merchant.get(f"/api/carts/{cart_id}")
            if answer.status_code != 200:
                return None
            cart: dict[str, Any] = answer.json()
            return cart if predicate is None or predicate(cart) else None

        result: dict[str, Any] = await wait_until(seen, timeout=timeout, interval=0.05, what=f"cart {cart_id}")
        return result
