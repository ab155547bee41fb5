"""The gateway's pure logic: scopes, hook and script reconciliation, session cookies, CSRF, SSE framing."""

from __future__ import annotations

import itsdangerous.timed
import pytest
from fastapi import Response

from cartio_gateway.domain import (
    CreateHook,
    CreateScript,
    DeleteHook,
    DeleteScript,
    ExistingHook,
    ExistingScript,
    LiveEvent,
    SessionSigner,
    UpdateHook,
    UpdateScript,
    WantedHook,
    csrf_ok,
    is_cart_id,
    is_item_id,
    missing_scopes,
    parse_last_event_id,
    plan_hooks,
    plan_script,
    sse_comment,
    sse_event,
    summarize,
    wanted_script,
)
from cartio_gateway.sessions import COOKIE_NAME, set_session_cookie
from cartio_gateway.settings import REQUIRED_SCOPES, Settings

DEST = "https://ingest.example/webhooks/bigcommerce"
SECRET = {"X-Cartio-Secret": "abc"}
WANTED = [WantedHook("store/cart/*", DEST, SECRET), WantedHook("store/order/*", DEST, SECRET)]


# --- scopes ---------------------------------------------------------------------------------------------------


def test_all_required_scopes_granted_means_nothing_missing() -> None:
    assert missing_scopes(" ".join(REQUIRED_SCOPES), REQUIRED_SCOPES) == []
    assert missing_scopes(" ".join([*REQUIRED_SCOPES, "store_v2_customers_login"]), REQUIRED_SCOPES) == []


def test_missing_scopes_are_named() -> None:
    granted = " ".join(s for s in REQUIRED_SCOPES if s not in ("store_cart", "store_v2_content"))
    assert missing_scopes(granted, REQUIRED_SCOPES) == ["store_cart", "store_v2_content"]
    assert missing_scopes("", ["store_cart"]) == ["store_cart"]
    # a read-only variant is not the scope asked for
    assert missing_scopes("store_cart_read_only", ["store_cart"]) == ["store_cart"]


# --- hooks ----------------------------------------------------------------------------------------------------


def test_no_hooks_yet_creates_every_wanted_hook() -> None:
    assert plan_hooks([], WANTED) == [
        CreateHook("store/cart/*", DEST, SECRET),
        CreateHook("store/order/*", DEST, SECRET),
    ]


def test_hooks_in_place_need_nothing() -> None:
    existing = [
        ExistingHook(1, "store/cart/*", DEST, True, SECRET),
        ExistingHook(2, "store/order/*", DEST, True, SECRET),
    ]
    assert plan_hooks(existing, WANTED) == []


def test_inactive_hook_is_reactivated_and_wrong_headers_replaced() -> None:
    existing = [
        ExistingHook(1, "store/cart/*", DEST, False, SECRET),
        ExistingHook(2, "store/order/*", DEST, True, {"X-Cartio-Secret": "old"}),
    ]
    assert plan_hooks(existing, WANTED) == [
        UpdateHook(1, "store/cart/*", {"is_active": True}),
        UpdateHook(2, "store/order/*", {"headers": SECRET}),
    ]


def test_hook_listed_without_headers_is_taken_as_right() -> None:
    existing = [ExistingHook(1, "store/cart/*", DEST, True, None), ExistingHook(2, "store/order/*", DEST, True, None)]
    assert plan_hooks(existing, WANTED) == []


def test_stale_destination_and_duplicates_are_deleted_before_creating() -> None:
    existing = [
        ExistingHook(1, "store/cart/*", "https://old.example/hooks", True, SECRET),
        ExistingHook(2, "store/order/*", DEST, True, SECRET),
        ExistingHook(3, "store/order/*", DEST, True, SECRET),
        ExistingHook(4, "store/customer/*", DEST, True, SECRET),
    ]
    actions = plan_hooks(existing, WANTED)
    assert actions == [
        DeleteHook(1, "store/cart/*", "https://old.example/hooks"),
        DeleteHook(3, "store/order/*", DEST),
        DeleteHook(4, "store/customer/*", DEST),
        CreateHook("store/cart/*", DEST, SECRET),
    ]


# --- storefront script ----------------------------------------------------------------------------------------

SRC = "https://ingest.example/storefront/cartio.js?store=abc"
PREFIX = "https://ingest.example/storefront/cartio.js"


def test_script_is_created_rendered_behind_consent_banners_and_removed_on_uninstall() -> None:
    [action] = plan_script([], wanted_script(SRC), src_prefix=PREFIX)
    assert isinstance(action, CreateScript)
    fields = action.fields
    assert fields["src"] == SRC
    assert fields["kind"] == "src"
    assert fields["load_method"] == "defer"
    assert fields["location"] == "footer"
    assert fields["visibility"] == "storefront"
    assert fields["auto_uninstall"] is True
    assert fields["consent_category"] == "essential"
    assert fields["name"] == "Cartio tracker"


def test_script_in_place_needs_nothing() -> None:
    existing = [ExistingScript("u1", {**wanted_script(SRC), "channel_id": 1, "date_created": "x"})]
    assert plan_script(existing, wanted_script(SRC), src_prefix=PREFIX) == []


def test_changed_script_is_repaired_and_extra_copies_deleted() -> None:
    recategorised = {**wanted_script(SRC), "consent_category": "analytics", "enabled": False}
    copy = {**wanted_script(SRC), "name": "renamed by the merchant"}
    other = {"name": "Another script of this account", "src": "https://elsewhere.example/x.js"}
    existing = [ExistingScript("u1", recategorised), ExistingScript("u2", copy), ExistingScript("u3", other)]
    assert plan_script(existing, wanted_script(SRC), src_prefix=PREFIX) == [
        UpdateScript("u1", {"consent_category": "essential", "enabled": True}),
        DeleteScript("u2"),
    ]


# --- sessions and CSRF ----------------------------------------------------------------------------------------


def test_session_cookie_round_trips() -> None:
    signer = SessionSigner("secret", max_age=3600)
    assert signer.unsign(signer.sign("session-1")) == "session-1"


@pytest.mark.parametrize("value", [None, "", "garbage", "c2Vzc2lvbi0x.AAAA.BBBB"])
def test_missing_or_forged_cookie_is_refused(value: str | None) -> None:
    assert SessionSigner("secret", max_age=3600).unsign(value) is None


def test_cookie_signed_with_another_secret_or_tampered_is_refused() -> None:
    cookie = SessionSigner("other-secret", max_age=3600).sign("session-1")
    assert SessionSigner("secret", max_age=3600).unsign(cookie) is None
    good = SessionSigner("secret", max_age=3600).sign("session-1")
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    assert SessionSigner("secret", max_age=3600).unsign(tampered) is None


def test_expired_cookie_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = SessionSigner("secret", max_age=60)
    now = 1_800_000_000.0
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now)
    cookie = signer.sign("session-1")
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now + 59)
    assert signer.unsign(cookie) == "session-1"
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now + 61)
    assert signer.unsign(cookie) is None


def test_csrf_needed_on_state_changes_only() -> None:
    for method in ("GET", "HEAD", "OPTIONS"):
        assert csrf_ok(method, None, "tok")
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        assert not csrf_ok(method, None, "tok")
        assert not csrf_ok(method, "", "tok")
        assert not csrf_ok(method, "tok2", "tok")
        assert csrf_ok(method, "tok", "tok")
    assert not csrf_ok("POST", "", "")


def _cookie_header(settings: Settings) -> str:
    response = Response()
    set_session_cookie(response, settings, SessionSigner("s", max_age=settings.session_ttl), "sid")
    header = response.headers["set-cookie"]
    assert header.startswith(f"{COOKIE_NAME}=")
    return header.lower()


def test_cookie_fit_for_the_control_panel_iframe() -> None:
    header = _cookie_header(Settings(session_ttl=600))
    assert "httponly" in header
    assert "secure" in header
    assert "samesite=none" in header
    assert "partitioned" in header
    assert "max-age=600" in header


def test_cookie_for_plain_http_development() -> None:
    header = _cookie_header(Settings(cookie_secure=False))
    assert "httponly" in header
    assert "secure" not in header
    assert "samesite=lax" in header


# --- path parameters, SSE, audit ------------------------------------------------------------------------------


def test_cart_and_item_ids() -> None:
    assert is_cart_id("5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11")
    assert is_cart_id("5C1D0A3E-7B7A-4C1E-9D3F-2F6A1E0B9C11")
    for bad in ("", "abc", "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c1", "../carts", "5c1d0a3e7b7a4c1e9d3f2f6a1e0b9c11x",
                "5c1d0a3e-7b7a-4c1e-9d3f-2f6a1e0b9c11\n"):
        assert not is_cart_id(bad)
    assert is_item_id("e2b4c1d0-1111-2222-3333-444455556666")
    assert not is_item_id("a/b")
    assert not is_item_id("x" * 65)
    assert not is_item_id("a1\n")


def test_sse_framing() -> None:
    text = sse_event(LiveEvent(42, "cart.upserted", {"cart": {"id": "c1"}}))
    assert text == 'id: 42\nevent: cart.upserted\ndata: {"cart":{"id":"c1"}}\n\n'
    assert sse_comment("heartbeat") == ": heartbeat\n\n"


def test_last_event_id_from_header_then_query() -> None:
    assert parse_last_event_id("17", "3") == 17
    assert parse_last_event_id(None, "3") == 3
    assert parse_last_event_id(" ", "3") == 3
    assert parse_last_event_id(None, None) is None
    for junk in ("junk", "-1", "\u00b2", "\u0661\u0662", "9223372036854775808", "1\x00"):
        with pytest.raises(ValueError, match="not a position this API handed out"):
            parse_last_event_id(junk, "3")


def test_audit_summary_keeps_scalars_and_hides_nesting() -> None:
    body = {"product_id": 7, "quantity": 2, "message": "x" * 500,
            "billing_address": {"first_name": "A", "email": "a@example.com"}, "items": [1, 2, 3]}
    summary = summarize(body)
    assert summary["product_id"] == 7
    assert summary["quantity"] == 2
    assert len(summary["message"]) == 201
    assert summary["billing_address"] == {"keys": ["email", "first_name"]}
    assert summary["items"] == {"items": 3}
