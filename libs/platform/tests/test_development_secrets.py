"""Outside CARTIO_ENVIRONMENT=development no service starts with a missing secret or its public development value,
and the refusal names every such variable (issue 13, point 1)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest
from pydantic import SecretStr

from cartio_platform.settings import DevelopmentSecrets, ServiceSettings

SECRETS = {
    "gateway": {"CARTIO_BC_CLIENT_SECRET", "CARTIO_WEBHOOK_KEY", "CARTIO_ENCRYPTION_KEY", "CARTIO_SESSION_SECRET",
                "CARTIO_SERVICE_TOKEN"},
    "ingest": {"CARTIO_WEBHOOK_KEY", "CARTIO_LINK_KEY", "CARTIO_SERVICE_TOKEN"},
    "carts": {"CARTIO_ENCRYPTION_KEY", "CARTIO_SERVICE_TOKEN"},
    "notifier": {"CARTIO_LINK_KEY", "CARTIO_SERVICE_TOKEN"},
    "blacklist": {"CARTIO_SERVICE_TOKEN"},
    "reports": {"CARTIO_SERVICE_TOKEN"},
}


def _settings_class(service: str) -> type[ServiceSettings]:
    cls: type[ServiceSettings] = importlib.import_module(f"cartio_{service}.settings").Settings
    return cls


@pytest.mark.parametrize("service", sorted(SECRETS))
def test_a_service_outside_development_mode_refuses_every_development_secret_by_name(service: str) -> None:
    with pytest.raises(DevelopmentSecrets) as refused:
        _settings_class(service)(environment="production").refuse_development_secrets()
    message = str(refused.value)
    for variable in SECRETS[service]:
        assert f"{variable} is" in message
    assert "CARTIO_ENVIRONMENT=development" in message


def test_a_missing_secret_is_refused_as_missing() -> None:
    with pytest.raises(DevelopmentSecrets, match="CARTIO_SERVICE_TOKEN is missing"):
        ServiceSettings(environment="production", service_token=SecretStr("  ")).refuse_development_secrets()


@pytest.mark.parametrize("service", sorted(SECRETS))
def test_a_service_with_its_own_secrets_starts_outside_development_mode(service: str) -> None:
    cls = _settings_class(service)
    own = {name.removeprefix("CARTIO_").lower(): SecretStr(f"deployment-{name}") for name in SECRETS[service]}
    if "encryption_key" in own:
        own["encryption_key"] = SecretStr("ZGVwbG95bWVudC1lbmNyeXB0aW9uLWtleS0wMDAwMDA=")
    settings = cls(environment="production", **own)
    settings.refuse_development_secrets()
    assert settings.service_token.get_secret_value() == "deployment-CARTIO_SERVICE_TOKEN"


def test_development_mode_accepts_the_development_secrets() -> None:
    settings = ServiceSettings(environment="development")
    settings.refuse_development_secrets()
    assert settings.service_token.get_secret_value() == "dev-service-token"


def test_a_service_process_without_its_secrets_exits_and_says_which() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTIO_")}
    result = subprocess.run([sys.executable, "-m", "cartio_ingest", "serve"], env=env, capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode != 0
    assert "CARTIO_WEBHOOK_KEY is" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_setting_stops_a_service_process_with_a_sentence_not_a_traceback() -> None:
    env = {**os.environ, "CARTIO_RETRY_DELAYS": "[1, -1]"}
    result = subprocess.run([sys.executable, "-m", "cartio_ingest", "serve"], env=env, capture_output=True,
                            text=True, timeout=30, check=False)
    assert result.returncode != 0
    assert "cannot start: retry_delays: Value error, retry_delays must all be positive" in result.stderr
    assert "Traceback" not in result.stderr
