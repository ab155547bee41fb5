"""Shared pieces of the control API."""

from __future__ import annotations

from fastapi import Request

from ..runtime import Simulator


def sim_of(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim
