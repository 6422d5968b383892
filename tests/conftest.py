"""Fixtures shared by every test layer.

``fake_comms``: widgets created while it is active talk to a :class:`FakeComm` instead of a
kernel. The fake records every message the Python side publishes and delivers front-end messages
through the same path a kernel would (``comm.handle_msg`` -> ``Widget._handle_msg``), so message
tests exercise the real dispatch code without a kernel or a browser.

Under CI (``CI`` set) hypothesis runs derandomised, so a run is reproducible and a landing never
depends on the draw; local runs keep exploring new examples.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


class FakeComm(BaseComm):
    """A comm whose peer is the test: it records what Python sends and injects view messages."""

    def __init__(self, **kwargs: Any) -> None:
        self.published: list[tuple[str, dict[str, Any] | None, list[Any] | None]] = []
        super().__init__(**kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        buffers: list[Any] | None = None,
        **keys: Any,
    ) -> None:
        self.published.append((msg_type, data, buffers))

    def custom_messages(self) -> list[Any]:
        """Contents of every custom message Python sent through this comm, oldest first."""
        return [
            data["content"]
            for msg_type, data, _ in self.published
            if msg_type == "comm_msg" and data is not None and data.get("method") == "custom"
        ]

    def take(self) -> list[Any]:
        """The custom messages sent since the previous ``take`` (all of them the first time)."""
        messages = self.custom_messages()
        seen = getattr(self, "_taken", 0)
        self._taken = len(messages)
        return messages[seen:]

    def receive(self, content: Any) -> None:
        """Deliver ``content`` as a custom message from a front-end view (``model.send``)."""
        self.handle_msg(
            {
                "content": {
                    "comm_id": self.comm_id,
                    "data": {"method": "custom", "content": content},
                },
                "buffers": [],
            }
        )


@pytest.fixture
def fake_comms(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[list[FakeComm]]:
    """Every widget created during the test gets a FakeComm (its ``.comm``); yields them all.

    ipywidgets logs, rather than raises, an exception thrown by a message handler; the fixture
    turns such a log record into a test failure so a crashing handler cannot pass unnoticed.
    """
    created: list[FakeComm] = []

    def create_comm(*args: Any, **kwargs: Any) -> FakeComm:
        fake = FakeComm(*args, **kwargs)
        created.append(fake)
        return fake

    monkeypatch.setattr(comm, "create_comm", create_comm)
    with caplog.at_level(logging.WARNING):
        yield created
    for fake in created:
        fake.close()
    crashes = [
        r.getMessage() for r in caplog.records if "Exception in widget method" in r.getMessage()
    ]
    assert not crashes, f"a widget message handler raised: {crashes}"
