"""Fixtures: one real chain per module, a fresh fake node and a test client per test."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from govchain.api import create_app
from govchain.node.services import service_routes

with warnings.catch_warnings():
    # Starlette 1.10 asks for httpx2 under its TestClient; the project pins httpx 0.28.1
    # (pyproject.toml). Only that one import-time notice is silenced; drop this once
    # httpx2 is a dev dependency.
    warnings.filterwarnings(
        "ignore",
        message=r"Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from fastapi.testclient import TestClient

from .fake_node import Chain, FakeNode, build_chain


@pytest.fixture(scope="module")
def chain() -> Chain:
    return build_chain()


@pytest.fixture
def node(chain: Chain) -> FakeNode:
    return FakeNode(chain)


MAX_BODY_BYTES = 4096
"""The body limit of the ``client`` fixture's app."""

MakeClient = Callable[..., TestClient]


def app_of(node: FakeNode, **limits: int) -> FastAPI:
    """The API over ``node`` with every service's routes, as the node builds it."""
    return create_app(node, service_routes=service_routes(), metrics=node.metrics, **limits)


@pytest.fixture
def make_client(node: FakeNode) -> Iterator[MakeClient]:
    """Build test clients: over ``app`` if given, else over ``node`` with these limits."""
    with contextlib.ExitStack() as stack:

        def make(app: FastAPI | None = None, **limits: int) -> TestClient:
            if app is None:
                app = app_of(node, **limits)
            return stack.enter_context(TestClient(app, raise_server_exceptions=False))

        yield make


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client(max_body_bytes=MAX_BODY_BYTES)
