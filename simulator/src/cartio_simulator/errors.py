"""The one error type of the simulator; the web layer renders it as BigCommerce would (v3, v2, OAuth, control)."""

from __future__ import annotations


class SimError(Exception):
    """A request the store refuses: HTTP status, a title, and per-field messages."""

    def __init__(self, status: int, title: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.errors = errors or {}


def not_found(what: str) -> SimError:
    return SimError(404, f"{what} not found")


def invalid(title: str, errors: dict[str, str] | None = None) -> SimError:
    return SimError(422, title, errors)
