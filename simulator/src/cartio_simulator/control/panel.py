"""`GET /_sim/`: a tiny control panel page."""

from __future__ import annotations

import html

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
        f"<td><a href='/_sim/launch?store={s.hash}'>Open Cartio</a></td></tr>"
        for s in sim.world.stores.values()
    )
    shoppers = sim.shoppers.status()
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>BigCommerce simulator</title>
<style>body{{font-family:sans-serif;max-width:900px;margin:2em auto}}td,th{{padding:4px 10px;text-align:left}}
.open{{display:inline-block;padding:10px 18px;background:#2f6db5;color:#fff;border-radius:6px;
text-decoration:none}}</style></head><body>
<h1>BigCommerce simulator</h1>
<p><a class="open" href="/_sim/launch">Open Cartio</a> (as the owner of the first store)</p>
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
