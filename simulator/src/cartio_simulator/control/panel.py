"""`GET /_sim/`: a tiny overview of the simulator; `GET /_sim/panel`: a store's control panel with the app in an
iframe, as BigCommerce shows Apps > My Apps > Cartio."""

from __future__ import annotations

import html
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .common import sim_of

router = APIRouter(prefix="/_sim")


@router.get("/")
async def panel(request: Request) -> HTMLResponse:
    sim = sim_of(request)
    rows = "".join(
        f"<tr><td><code>{s.hash}</code></td><td>{s.id}</td><td>{'yes' if s.app_installed else 'no'}</td>"
        f"<td>{len(s.carts)}</td><td>{len(s.orders)}</td><td>{len(s.hooks)}</td>"
        f"<td><a href='/_sim/panel?store={s.hash}'>Control panel</a></td></tr>"
        for s in sim.world.stores.values()
    )
    shoppers = sim.shoppers.status()
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>BigCommerce simulator</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}td,th{{padding:4px 10px;text-align:left}}
.open{{display:inline-block;padding:10px 18px;background:#2f6db5;color:#fff;border-radius:6px;
text-decoration:none}}</style></head><body>
<h1>BigCommerce simulator</h1>
<p><a class="open" href="/_sim/panel">Open the control panel</a> (Cartio inside it, as the owner of the first
store) · <a href="/_sim/launch">Cartio on its own</a></p>
<table><tr><th>store hash</th><th>store id</th><th>app installed</th><th>carts</th><th>orders</th>
<th>hooks</th><th></th></tr>{rows}</table>
<p>Client id: <code>{html.escape(sim.settings.client_id)}</code>. Shoppers: {"running at " +
str(shoppers["rate_per_s"]) + "/s" if shoppers["running"] else "stopped"}.
Mails received: {len(sim.mail.messages())}. Webhook deliveries logged: {len(sim.dispatcher.log)}.</p>
<p>JSON: <a href="/_sim/store">store</a> · <a href="/_sim/hooks">hooks</a> · <a href="/_sim/scripts">scripts</a>
· <a href="/_sim/webhooks">webhooks</a> · <a href="/_sim/orders">orders</a> · <a href="/_sim/carts">carts</a>
· <a href="/_sim/mail">mail</a> · <a href="/_sim/shoppers">shoppers</a> · <a href="/storefront/">storefront</a></p>
</body></html>"""
    return HTMLResponse(page)


# The control panel's frame: a dark top bar, the left navigation with Apps > My Apps > Cartio selected, and the app
# filling the rest in an iframe whose first request is the launch (302 to the app's load callback with a fresh
# signed_payload_jwt), exactly the way BigCommerce opens an app.
PANEL_STYLE = """*{box-sizing:border-box}html,body{margin:0;height:100%;font-family:sans-serif}
body{display:grid;grid-template:56px 1fr/220px 1fr}
header{grid-column:1/3;background:#34313f;color:#fff;display:flex;align-items:center;gap:16px;padding:0 20px}
header strong{font-size:18px}header span{opacity:.75;font-size:13px}
nav{background:#f6f7f9;border-right:1px solid #d9dce9;padding:16px 0;font-size:14px}
nav a{display:block;padding:8px 20px;color:#313440;text-decoration:none}
nav a[aria-current]{background:#dbe3fe;color:#3c64f4;font-weight:600}
main{min-width:0}iframe{border:0;width:100%;height:100%;display:block}"""


@router.get("/panel")
async def control_panel(request: Request, store: str | None = None, user_id: int | None = None,
                        email: str | None = None) -> HTMLResponse:
    sim = sim_of(request)
    target = sim.store(store)
    params: dict[str, str] = {"store": target.hash}
    if user_id is not None:
        params["user_id"] = str(user_id)
    if email:
        params["email"] = email
    query = html.escape(urlencode(params))
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cartio · Apps · BigCommerce</title>
<style>{PANEL_STYLE}</style></head><body>
<header><strong>BigCommerce</strong><span>store {html.escape(target.hash)} (simulator)</span></header>
<nav aria-label="Control panel"><a href="/_sim/">Dashboard</a><a href="/_sim/orders">Orders</a>
<a href="/_sim/products">Products</a>
<a href="/_sim/panel?{query}" aria-current="page">Apps &rsaquo; My Apps &rsaquo; Cartio</a></nav>
<main><iframe id="app" title="Cartio" name="cartio" src="/_sim/launch?{query}"></iframe></main>
</body></html>"""
    return HTMLResponse(page)
