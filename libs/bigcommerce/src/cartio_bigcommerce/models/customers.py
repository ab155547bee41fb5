"""Customers (v3 ``/customers``), with their addresses."""

from __future__ import annotations

from pydantic import Field

from .base import ApiModel, OptTimestamp

__all__ = ["Customer", "CustomerAddress"]


class CustomerAddress(ApiModel):
    id: int
    customer_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    state_or_province: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None
    address_type: str | None = None


class Customer(ApiModel):
    id: int
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    customer_group_id: int | None = None
    registration_ip_address: str | None = None
    date_created: OptTimestamp = None
    date_modified: OptTimestamp = None
    notes: str | None = None
    channel_ids: list[int] | None = None
    address_count: int | None = None
    addresses: list[CustomerAddress] = Field(default_factory=list)
