"""Typed settings reject bad values with a clear message; logs are JSON lines carrying the correlation id."""

from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError

from cartio_platform.logging import bind_correlation_id, configure_logging, get_logger
from cartio_platform.settings import ServiceSettings


def test_settings_come_from_cartio_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTIO_NAMESPACE", "staging")
    monkeypatch.setenv("CARTIO_DATABASE_URL", "postgresql://u@db:5432/cartio_carts")
    monkeypatch.setenv("CARTIO_RETRY_DELAYS", "[0.5, 2]")
    settings = ServiceSettings()
    assert settings.topology.events_exchange == "staging.events"
    assert settings.database_url == "postgresql+asyncpg://u@db:5432/cartio_carts"  # the async driver is implied
    assert settings.retry_delays == [0.5, 2]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("namespace", "Bad Namespace!", "namespace must be lowercase"),
        ("database_url", "mysql://x/y", "must be a postgresql URL"),
        ("retry_delays", [1, -1], "must all be positive"),
        ("port", 70000, "less than or equal to 65535"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ServiceSettings(**{field: value})


def test_logs_are_json_with_service_and_correlation_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("carts", level="INFO", json=True)
    bind_correlation_id("req-42")
    get_logger("test").info("cart stored", cart_id="c1")
    logging.getLogger("uvicorn.error").warning("from the standard library")
    bind_correlation_id(None)
    get_logger("test").info("after the request")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    first, foreign, after = lines[-3:]
    assert first["event"] == "cart stored"
    assert first["service"] == "carts"
    assert first["correlation_id"] == "req-42"
    assert first["cart_id"] == "c1"
    assert first["level"] == "info"
    assert first["timestamp"].endswith("Z")
    assert foreign["event"] == "from the standard library"
    assert foreign["correlation_id"] == "req-42"
    assert "correlation_id" not in after
