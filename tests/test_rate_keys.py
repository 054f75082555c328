"""Anonymous admins and channel senders are limited per chat and sender chat (issue 13, #8).

Telegram shows every anonymous group admin as the same user, GroupAnonymousBot
(1087968824), and everyone posting as a channel as Channel_Bot (136817688). Keyed by that
user id, they all shared one bucket across every group.
"""

from __future__ import annotations

from bot.config import Settings
from bot.telegram.app import BotApplication
from tests.support import updates as u
from tests.support.standin import BotApiStandIn
from tests.support.traffic import AGE_QUESTION, SLOW_DOWN_KO, to_chat

GROUP_A = u.group_chat(-100555000501, "A")
GROUP_B = u.group_chat(-100555000502, "B")
CHANNEL = u.channel_chat(-100555000503, "a channel")
ANONYMOUS_ADMIN = u.user(1087968824, "Group", username="GroupAnonymousBot", is_bot=True)
CHANNEL_BOT = u.user(136817688, "Channel", username="Channel_Bot", is_bot=True)


def sent_as(chat: u.JSON, sender: u.JSON, as_chat: u.JSON) -> u.JSON:
    update = u.message_update(f"@article_qa_bot {AGE_QUESTION}", chat=chat, from_user=sender)
    update["message"]["sender_chat"] = as_chat
    return update


async def test_anonymous_admins_and_channel_senders_are_limited_per_chat(
    app: BotApplication, api: BotApiStandIn, settings: Settings
) -> None:
    for _ in range(settings.user_rate_limit + 1):  # over the limit in group A
        api.push_update(sent_as(GROUP_A, ANONYMOUS_ADMIN, GROUP_A))
    in_a = await api.wait_for(
        "sendMessage", to_chat(GROUP_A["id"]), count=settings.user_rate_limit + 1
    )
    assert sum(SLOW_DOWN_KO in c.params["text"] for c in in_a) == 1
    # Another group's anonymous admin, and someone posting as a channel, are answered.
    api.push_update(sent_as(GROUP_B, ANONYMOUS_ADMIN, GROUP_B))
    api.push_update(sent_as(GROUP_B, CHANNEL_BOT, CHANNEL))
    in_b = await api.wait_for("sendMessage", to_chat(GROUP_B["id"]), count=2)
    assert all("26" in c.params["text"] for c in in_b)
