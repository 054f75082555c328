"""Record a new user's session with the real bot through the Bot API stand-in, as Markdown.

    .venv/bin/python -m tests.record_transcript [OUTPUT]
        # default: docs/transcript.md, and the README's example conversation

Nothing here is written by hand: every bot line is the text the stand-in received and parsed
(HTML → what Telegram would show). Blockquotes are marked with "┃", buttons with [brackets].
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering.engine import Engine
from bot.knowledge import database
from tests.support import KNOWLEDGE_DIR, PROJECT_ROOT
from tests.support import updates as u
from tests.support.harness import buttons, make_settings, running_bot
from tests.support.standin import ApiCall, BotApiStandIn
from tests.support.traffic import ask, tap

DEFAULT_OUTPUT = PROJECT_ROOT / "docs" / "transcript.md"
README = PROJECT_ROOT / "README.md"
README_START = "<!-- transcript: written by python -m tests.record_transcript -->"
README_END = "<!-- end of transcript -->"

MINJUN = u.user(7001, "민준", language_code="ko")
ALEX = u.user(7002, "Alex", language_code="en")
SEOYEON = u.user(7003, "서연", language_code="ko")
JIWOO = u.user(7004, "지우", language_code="ko")
GROUP = u.group_chat(title="기사 읽기 모임")


class TranscriptError(AssertionError):
    """The bot did not behave as the transcript expects; the message says what happened."""


def render_message(call: ApiCall) -> list[str]:
    """What a Telegram user would see of one sent message: text, blockquotes, buttons."""
    text: str = call.result["text"]
    encoded = text.encode("utf-16-le")
    quoted: list[tuple[int, int]] = []
    for entity in call.result.get("entities", []):
        if entity["type"] in ("blockquote", "expandable_blockquote"):
            start = len(encoded[: entity["offset"] * 2].decode("utf-16-le"))
            end = len(encoded[: (entity["offset"] + entity["length"]) * 2].decode("utf-16-le"))
            quoted.append((start, end))
    lines: list[str] = []
    position = 0
    for line in text.split("\n"):
        inside = any(start <= position < end for start, end in quoted)
        lines.append(("┃ " if inside else "") + line)
        position += len(line) + 1
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    for row in rows:
        lines.append("  ".join(f"[{button['text']}]" for button in row))
    return lines


@dataclass
class Transcript:
    """Scenes of the conversation, each a list of lines in a text block."""

    scenes: list[tuple[str, list[str]]] = field(default_factory=list)

    def scene(self, title: str, lines: list[str]) -> None:
        self.scenes.append((title, lines))

    def markdown(self) -> str:
        out = [
            "# Example conversation",
            "",
            "Recorded from a real run of the bot (python-telegram-bot `Application`, long "
            "polling) against the local Bot API stand-in, by "
            "`.venv/bin/python -m tests.record_transcript`. Bot lines are exactly what "
            "Telegram would display; `┃` marks the verbatim quote (a blockquote), "
            "`[...]` are buttons.",
            "",
        ]
        for title, lines in self.scenes:
            out += [f"## {title}", "", "```text", *lines, "```", ""]
        return "\n".join(out)


def _said(who: u.JSON, text: str, where: str = "") -> str:
    return f"👤 {who['first_name']}{where}: {text}"


def _bot(call: ApiCall, where: str = "") -> list[str]:
    body = render_message(call)
    return [f"🤖 @{u.BOT_USERNAME}{where}:"] + [f"   {line}" if line else "" for line in body]


async def record(api: BotApiStandIn, workdir: Path) -> Transcript:
    """Play the scenario against a running bot and return what happened."""
    knowledge_db = workdir / "k.sqlite3"
    await database.build(KNOWLEDGE_DIR, knowledge_db)
    engine = await Engine.open(knowledge_db)
    transcript = Transcript()
    private = " (private chat)"
    async with running_bot(api, make_settings(api, workdir), engine):
        reply = await ask(api, "/start", MINJUN)
        transcript.scene("1. /start", [_said(MINJUN, "/start", private), *_bot(reply)])

        question = "김태훈씨 연봉이 얼마야?"
        salary = await ask(api, question, MINJUN)
        transcript.scene("2. A Korean question", [_said(MINJUN, question, private), *_bot(salary)])

        question = "Which university did Kim Taehoon graduate from?"
        reply = await ask(api, question, ALEX)
        transcript.scene("3. An English question", [_said(ALEX, question, private), *_bot(reply)])

        question = "오늘 서울 날씨 어때?"
        declined = await ask(api, question, MINJUN)
        transcript.scene(
            '4. An off-topic question (declined, with "did you mean" buttons)',
            [_said(MINJUN, question, private), *_bot(declined)],
        )

        label, data = buttons(declined)[0]
        before = len(api.calls_to("sendMessage"))
        await tap(api, data, u.bot_message_from_call(declined), MINJUN)
        [*_, tapped] = await api.wait_for("sendMessage", count=before + 1)
        label_up, up = buttons(salary)[0]
        thanks = await tap(api, up, u.bot_message_from_call(salary), MINJUN)
        transcript.scene(
            "5. Button taps",
            [
                f"👤 {MINJUN['first_name']} taps [{label}] under the decline",
                *_bot(tapped),
                "",
                f"👤 {MINJUN['first_name']} taps [{label_up}] under the salary answer",
                f"🤖 (toast) {thanks.params.get('text', '')}",
            ],
        )

        where = f" (group “{GROUP['title']}”)"
        question = "@article_qa_bot 김태훈씨는 몇 살이야?"
        mention = await ask(api, question, SEOYEON, chat=GROUP)  # a threaded reply
        transcript.scene(
            "6. A group @mention (answered as a threaded reply)",
            [
                _said(SEOYEON, question, where),
                *_bot(mention, f" (reply to {SEOYEON['first_name']})"),
            ],
        )

        chatter = "연봉이 진짜 많네. 근데 김태훈씨 어느 학교 나왔지?"
        unaddressed = u.message_update(chatter, from_user=MINJUN, chat=GROUP)
        api.push_update(unaddressed)
        # The next question is a reply to the bot; once it is answered, any reply to the
        # unaddressed message would already have been recorded.
        follow_up = "군대는 어떻게 한대?"
        reply = await ask(
            api, follow_up, SEOYEON, chat=GROUP, reply_to=u.bot_message_from_call(mention)
        )
        silent_id = unaddressed["message"]["message_id"]
        if any(
            (c.params.get("reply_parameters") or {}).get("message_id") == silent_id
            for c in api.calls_to("sendMessage")
        ):
            raise TranscriptError("the bot answered a group message not addressed to it")
        transcript.scene(
            "7. An unaddressed group message (silence), then a reply to the bot",
            [
                _said(MINJUN, chatter, where),
                "🤖 (no reply: not addressed to the bot)",
                "",
                _said(SEOYEON, f"(replying to the bot) {follow_up}", where),
                *_bot(reply, f" (reply to {SEOYEON['first_name']})"),
            ],
        )

        first = "김태훈 병역 문제는 어떻게 해결했어?"
        answered = await ask(api, first, JIWOO)
        lines = [_said(JIWOO, first, private), *_bot(answered), ""]
        for follow_up in ("그거 얼마 동안 했어?", "계약 기간은 몇 년이래?", "원화로 연봉은?"):
            reply = await ask(api, follow_up, JIWOO)
            lines += [_said(JIWOO, follow_up, private), *_bot(reply), ""]
        transcript.scene("8. Follow-up questions (a conversation in a private chat)", lines[:-1])

        question = "오픈AI는 몇 년도에 설립됐나요?"
        partial = await ask(api, question, JIWOO)
        transcript.scene(
            "9. A question on a covered topic for a detail the article does not give",
            [_said(JIWOO, question, private), *_bot(partial)],
        )

        query = "연봉"
        api.push_update(u.inline_query_update(query, from_user=ALEX))
        [inline] = await api.wait_for("answerInlineQuery")
        lines = [
            f"👤 {ALEX['first_name']} types in any chat: @{u.BOT_USERNAME} {query}",
            "🤖 offers:",
        ]
        for number, result in enumerate(inline.params["results"], start=1):
            lines.append(f"   {number}. {result['title']} — {result['description']}")
        transcript.scene("10. Inline mode", lines)
    return transcript


def embed_in_readme(markdown: str, readme: Path = README) -> None:
    """Put the transcript's scenes between the README's transcript markers."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START), text.index(README_END)
    # The README has its own heading; scenes become one level deeper.
    scenes = markdown[markdown.index("\n## ") :].replace("\n## ", "\n### ")
    body = f"{README_START}\n{scenes.strip()}\n"
    readme.write_text(text[:start] + body + text[end:], encoding="utf-8")


async def main(output: Path) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        async with BotApiStandIn() as api:
            transcript = await record(api, Path(workdir))
    output.parent.mkdir(parents=True, exist_ok=True)
    markdown = transcript.markdown()
    output.write_text(markdown, encoding="utf-8")
    print(f"wrote {output}")
    if output == DEFAULT_OUTPUT:
        embed_in_readme(markdown)
        print(f"updated the example conversation in {README}")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT))
