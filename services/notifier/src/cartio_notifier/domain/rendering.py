"""The cart email: subject, HTML and text parts from Jinja2 templates (HTML autoescaped)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cartio_contracts.messages import CartSnapshot
from cartio_notifier.domain.money import format_money

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["money"] = format_money


@dataclass(frozen=True)
class Email:
    subject: str
    html: str
    text: str
    to: str


def render_cart_email(
    cart: CartSnapshot, *, recipient: str, store_name: str | None, message: str | None, link: str
) -> Email:
    store = store_name or "our store"
    context = {
        "cart": cart,
        "currency": cart.currency,
        "store_name": store,
        "message": message,
        "link": link,
        "item_count": sum(i.quantity for i in cart.items),
    }
    subject = f"Your cart at {store} is waiting for you"
    return Email(
        subject=subject,
        html=_env.get_template("cart.html").render(context),
        text=_env.get_template("cart.txt").render(context),
        to=recipient,
    )
