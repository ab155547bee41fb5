"""An SMTP sink (aiosmtpd) that keeps every message it receives."""

from __future__ import annotations

import asyncio
import logging
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .formats import now, v3_time
from .state import Json

log = logging.getLogger("cartio_simulator.mail")


def parse_message(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> Json:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return {
        "from": str(message.get("From") or mail_from),
        "to": list(rcpt_tos),
        "subject": str(message.get("Subject") or ""),
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
        "received_at": v3_time(now()),
        "headers": {k: str(v) for k, v in message.items()},
    }


class MailFaults(BaseModel):
    """`POST /_sim/mail/faults`: the sink stopped (connection refused), or recipients refused with a code
    (4xx: try later, 5xx: never). `{}` clears them."""

    model_config = ConfigDict(extra="forbid")

    down: bool = False
    refuse: dict[str, int] = Field(default_factory=dict, max_length=100)

    @field_validator("refuse")
    @classmethod
    def _smtp_codes(cls, value: dict[str, int]) -> dict[str, int]:
        if any(not 400 <= code <= 599 for code in value.values()):
            raise ValueError("refusal codes must be SMTP 4xx or 5xx")
        return {address.lower(): code for address, code in value.items()}


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self._sink = sink

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        code = self._sink.faults.refuse.get(address.lower())
        if code is not None:
            return f"{code} {'Mailbox busy, try later' if code < 500 else 'No such mailbox here'}: {address}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        try:
            parsed = parse_message(envelope.content, envelope.mail_from, envelope.rcpt_tos)
        except Exception:  # a malformed message is still kept, raw
            log.exception("could not parse a message; keeping it raw")
            parsed = {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "subject": "", "text":
                      envelope.content.decode(errors="replace"), "html": "", "received_at": v3_time(now())}
        self._sink.add(parsed)
        log.info("mail from %s to %s: %s", parsed["from"], ", ".join(parsed["to"]), parsed["subject"])
        return "250 Message accepted for delivery"


class MailSink:
    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._messages: list[Json] = []
        self._controller: Controller | None = None
        self.faults = MailFaults()

    async def set_faults(self, faults: MailFaults) -> None:
        """Stops or starts the listener to match `faults.down`."""
        self.faults = faults
        if faults.down:
            await self.stop()
        else:
            await self.start()

    def add(self, message: Json) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self) -> list[Json]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    async def start(self) -> None:
        if self._port == 0 or self._controller is not None:
            return
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
        controller = Controller(_Handler(self), hostname=self._host, port=self._port)
        try:
            await asyncio.to_thread(controller.start)
        except Exception:
            log.exception("SMTP sink could not listen on %s:%d; mail will not be collected", self._host, self._port)
            return
        self._controller = controller
        log.info("SMTP sink listening on %s:%d", self._host, self._port)

    async def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            await asyncio.to_thread(controller.stop)
