"""The control panel page: the app in an iframe, opened through the launch as BigCommerce does."""

from __future__ import annotations


async def test_control_panel_shows_the_app_in_an_iframe_opened_by_the_launch(h):
    panel = await h.client.get("/_sim/panel", params={"store": "teststore1"})
    assert panel.status_code == 200
    assert '<iframe id="app" title="Cartio"' in panel.text
    assert 'src="/_sim/launch?store=teststore1"' in panel.text
    assert "My Apps" in panel.text


async def test_control_panel_for_another_staff_member_launches_as_them(h):
    panel = await h.client.get("/_sim/panel", params={"user_id": 7, "email": "staff+1@shop.example"})
    assert 'src="/_sim/launch?store=teststore1&amp;user_id=7&amp;email=staff%2B1%40shop.example"' in panel.text


async def test_control_panel_of_an_unknown_store_is_404(h):
    assert (await h.client.get("/_sim/panel", params={"store": "nope"})).status_code == 404
