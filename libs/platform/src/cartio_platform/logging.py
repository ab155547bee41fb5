"""JSON logs through structlog, with the correlation id of the message or request being handled."""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog

_configured = False


def configure_logging(service: str, *, level: str = "INFO", json: bool = True) -> None:
    """One line per event on stdout, from structlog (Cartio's own) and the standard library (uvicorn, aio-pika,
    alembic) alike.

    Cartio's own events go straight from structlog to stdout, rendered by orjson: the standard library's path
    (a LogRecord, the caller's frame looked up, a formatter) cost ingest a tenth of its time per webhook."""
    global _configured
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    console = structlog.dev.ConsoleRenderer(colors=False)
    if json:
        ours: list[Any] = [structlog.processors.JSONRenderer(serializer=orjson.dumps, default=str)]
    else:
        ours = [console]
    structlog.configure(
        processors=[*shared, *ours],
        logger_factory=_Stdout,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(default=str) if json else console],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiormq", "aio_pika"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.contextvars.bind_contextvars(service=service)
    _configured = True


def get_logger(name: str) -> Any:
    """A logger whose events say where they come from (`logger`: the module's name)."""
    return structlog.get_logger(name)  # lazy: modules ask before configure_logging runs


class _Stdout:
    """Where Cartio's events go: a line each on whatever `sys.stdout` is when it is written (tests swap it),
    flushed at once (a service's output is usually a file or a pipe). Carries the module's name, which
    `add_logger_name` reads."""

    __slots__ = ("name",)

    def __init__(self, *args: Any) -> None:
        self.name = str(args[0]) if args else ""

    def msg(self, message: str | bytes) -> None:
        line = message.decode() if isinstance(message, bytes) else message
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (ValueError, OSError):
            pass  # stdout closed (a finished test's capture, a broken pipe): a lost line must not fail the work

    debug = info = warning = warn = error = critical = exception = fatal = msg


def bind_correlation_id(correlation_id: str | None) -> None:
    if correlation_id:
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
    else:
        structlog.contextvars.unbind_contextvars("correlation_id")


def current_correlation_id() -> str | None:
    """The correlation id bound for the message or request being handled, if any."""
    value = structlog.contextvars.get_contextvars().get("correlation_id")
    return str(value) if value else None
