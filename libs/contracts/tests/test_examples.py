"""Every message has an example, and every example parses into its model and round-trips unchanged."""

import json
from pathlib import Path

import pytest

from cartio_contracts import MESSAGE_TYPES, Envelope, Topology, parse, webhook_routing_key

EXAMPLES = Path(__file__).parents[1] / "src" / "cartio_contracts" / "examples"
FILES = sorted(EXAMPLES.glob("*.json"))


def test_every_message_type_has_an_example() -> None:
    types = {json.loads(f.read_text())["type"] for f in FILES}
    assert types == set(MESSAGE_TYPES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_example_parses_and_round_trips(path: Path) -> None:
    raw = json.loads(path.read_text())
    envelope = Envelope.model_validate(raw)
    body = parse(envelope)
    assert envelope.type == type(body).TYPE
    again = body.envelope(
        envelope.store_hash,
        message_id=envelope.message_id,
        correlation_id=envelope.correlation_id,
        causation_id=envelope.causation_id,
        occurred_at=envelope.occurred_at,
    )
    assert json.loads(again.model_dump_json()) == raw
    assert Envelope.from_bytes(envelope.to_bytes()) == envelope


def test_unknown_fields_are_ignored_so_producers_can_add() -> None:
    raw = json.loads((EXAMPLES / "cart_deleted.json").read_text())
    raw["data"]["added_in_a_later_release"] = True
    assert parse(Envelope.model_validate(raw)).model_dump()["reason"] == "shopper"


def test_topology_names_are_namespaced() -> None:
    t = Topology("t1")
    assert t.webhooks_exchange == "t1.webhooks"
    assert t.events_exchange == "t1.events"
    assert t.queue("carts", "webhooks") == "t1.carts.webhooks"
    assert Topology.dead("t1.carts.webhooks") == "t1.carts.webhooks.dead"
    assert webhook_routing_key("store/cart/lineItem/updated") == "bigcommerce.store.cart.lineItem.updated"
