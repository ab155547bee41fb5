"""The running simulator: its stores, faults, webhook dispatcher, SMTP sink, shoppers and outgoing HTTP."""

from __future__ import annotations

import logging
import random

import httpx

from .errors import SimError
from .faults import Faults
from .mail import MailSink
from .settings import SimSettings
from .shoppers import Shoppers
from .state import AccessToken, Cart, Event, Store, World, random_token
from .webhooks import Dispatcher

log = logging.getLogger("cartio_simulator")

APP_SCOPES = (
    "store_cart store_checkout store_v2_orders store_v2_products_read_only store_v2_customers_read_only "
    "store_v2_content store_content_checkout store_v2_information_read_only"
)


class Simulator:
    def __init__(self, settings: SimSettings) -> None:
        self.settings = settings
        self.world = World(settings.store_hash)
        self.faults = Faults()
        self.rng = random.Random(settings.seed)
        self._http: httpx.AsyncClient | None = None
        self.dispatcher = Dispatcher(settings, lambda: self.faults, self.hooks_http, self.rng)
        self.mail = MailSink(settings.host, settings.smtp_port)
        self.shoppers = Shoppers(self)
        self.started = False
        self._beacon_failing = False

    def http(self) -> httpx.AsyncClient:
        if self._http is None or self._http.is_closed:
            self._http = httpx.AsyncClient(follow_redirects=False)
        return self._http

    @staticmethod
    def hooks_http() -> httpx.AsyncClient:
        """A client for webhook deliveries: one keep-alive connection, used by one attempt at a time."""
        return httpx.AsyncClient(follow_redirects=False, limits=httpx.Limits(max_connections=1))

    async def start(self) -> None:
        """Starts the SMTP sink (idempotent). ASGI lifespan calls this; in-process tests call it themselves."""
        if self.started:
            return
        self.started = True
        await self.mail.start()

    async def stop(self) -> None:
        self.started = False
        await self.shoppers.stop()
        await self.dispatcher.aclose()
        await self.mail.stop()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def store(self, store_hash: str | None) -> Store:
        if not store_hash:
            return self.world.first
        store = self.world.stores.get(store_hash)
        if store is None:
            raise SimError(404, f"Store {store_hash} not found")
        return store

    def emit(self, store: Store, events: list[Event]) -> None:
        if events:
            log.debug("store %s events: %s", store.hash, ", ".join(e.scope for e in events))
            self.dispatcher.fire(store, events)

    def api_v2_base(self, store: Store) -> str:
        return f"{self.settings.public_url}/stores/{store.hash}/v2"

    def issue_token(self, store: Store, client_id: str, scopes: str = APP_SCOPES) -> AccessToken:
        token = AccessToken(token=random_token(), client_id=client_id, scopes=frozenset(scopes.split()))
        store.tokens[token.token] = token
        return token

    async def send_beacon(self, store: Store, cart: Cart) -> None:
        """What the storefront script does on a page view: tell ingest the cart and session."""
        headers = {}
        if cart.ip:
            headers["X-Forwarded-For"] = cart.ip
        if cart.user_agent:
            headers["User-Agent"] = cart.user_agent
        body = {"store_hash": store.hash, "cart_id": cart.id, "session_id": cart.session_id}
        try:
            response = await self.http().post(self.settings.ingest_beacon_url, json=body, headers=headers,
                                              timeout=3.0)
            problem = None if response.is_success else f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem is None:
            if self._beacon_failing:
                log.info("storefront beacons reach %s again", self.settings.ingest_beacon_url)
            self._beacon_failing = False
            return
        # Warn once per outage, not once per cart.
        level = logging.DEBUG if self._beacon_failing else logging.WARNING
        log.log(level, "storefront beacon for cart %s to %s failed (%s); ignored", cart.id,
                self.settings.ingest_beacon_url, problem)
        self._beacon_failing = True
