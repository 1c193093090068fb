"""Several uvicorn processes for the chat's websockets: only with Redis carrying the notices
(docs/chat.md, "Production")."""

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from guichet.ops.webserver import chat_server_command


def test_one_process_unless_told():
    assert "--workers" not in chat_server_command("127.0.0.1", 8001)
    command = chat_server_command("127.0.0.1", 8001, workers=3)
    assert command[command.index("--workers") + 1] == "3"


@override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}})
def test_several_need_redis():
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("up", "--chat-workers", "2")
