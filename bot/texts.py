"""Every user-facing sentence, in Korean and English, shared by the CLI and Telegram.

Plain text with `str.format` slots. Front ends escape what they put in the slots (Telegram's
HTML formatting escapes every argument); the texts themselves hold no markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Lang


@dataclass(frozen=True, slots=True)
class Text:
    """One sentence in both languages."""

    ko: str
    en: str

    def __call__(self, lang: Lang, /, **slots: object) -> str:
        return (self.en if lang == "en" else self.ko).format(**slots)


# Declines
DECLINE = Text("기사에는 그 내용이 없어요.", "The article doesn't say.")
DECLINE_ECHO = Text(
    "기사에는 “{echo}”에 대한 내용이 없어요.", "The article doesn't cover “{echo}”."
)
DECLINE_PLAIN = Text("기사에는 그 내용이 없어요.", "The article doesn't cover that.")
DID_YOU_MEAN = Text(
    "혹시 이런 걸 물어보셨나요? 눌러 보세요.", "Did you mean one of these? Tap one."
)
DECLINE_MISSING = Text(
    "기사에 ‘{topic}’ 이야기는 있지만 {missing} 나오지 않아요.",
    "The article covers ‘{topic}’ but doesn't give {missing}.",
)
# What a question asked for, keyed by bot.answering.analysis.AnswerType values.
MISSING: dict[str, Text] = {
    "who": Text("누구인지는", "who"),
    "organisation": Text("어느 기관인지는", "which organisation"),
    "place": Text("어디인지는", "where"),
    "time": Text("시기는", "when"),
    "year": Text("연도는", "the year"),
    "month": Text("몇 월인지는", "the month"),
    "day": Text("날짜는", "the date"),
    "time of day": Text("오전인지 오후인지는", "the time of day"),
    "hour": Text("시각은", "the time"),
    "number": Text("그 수는", "the number"),
    "amount": Text("그 액수는", "the amount"),
    "score": Text("그 점수는", "the score"),
    "rank": Text("순위는", "the rank"),
    "ordinal": Text("몇 번째인지는", "which one in order"),
    "age": Text("나이는", "the age"),
    "duration": Text("기간은", "how long"),
    "name": Text("이름은", "the name"),
    "title": Text("제목은", "the title"),
    "role": Text("역할은", "the role"),
    "reason": Text("이유는", "the reason"),
    "statement": Text("그런 말은", "any such statement"),
}
IN_THE_ARTICLES_WORDS = Text(
    "기사에는 이렇게 나와요: “{quote}”", "The article puts it this way: “{quote}”"
)
MAYBE = Text("이런 걸 물어보시겠어요?", "Maybe:")
SEE_TOPICS = Text(
    "/topics 로 기사가 다루는 주제를 볼 수 있어요.", "Send /topics to see what it does cover."
)

# /start and /help
WELCOME_TITLE = Text(
    "안녕하세요! 기사 한 편에 대한 질문에 답하는 봇이에요.",
    "Hi! I answer questions about one news article.",
)
WELCOME_FACTS = Text(
    "이 기사의 사실 {count}가지를 알고 있고, 답할 때마다 기사 원문을 그대로 인용해요. "
    "한국어나 영어로 물어보세요.",
    "I know {count} facts from it, and every answer quotes the article word for word. "
    "Ask in English or Korean.",
)
WELCOME_TRY = Text("이렇게 물어보세요:", "Try asking:")
WELCOME_BUTTONS = Text("(아래 버튼을 눌러도 돼요)", "(or tap a button below)")
WELCOME_GROUPS_HEAD = Text("그룹에서는", "In groups:")
WELCOME_GROUPS = Text(
    "저를 부르거나(@{bot} 질문), 제 메시지에 답장하거나, /ask@{bot} 또는 /fact 를 쓰세요. "
    "그 밖의 대화에는 끼어들지 않아요.",
    "mention me (@{bot} your question), reply to one of my messages, or use /ask@{bot} or "
    "/fact. I stay quiet otherwise.",
)
WELCOME_INLINE_HEAD = Text("어느 채팅에서나", "Anywhere:")
WELCOME_INLINE = Text(
    "@{bot} 뒤에 질문을 입력하면 답을 바로 보낼 수 있어요.",
    "type @{bot} and a question in any chat to send a fact.",
)
WELCOME_COMMANDS = Text(
    "/topics 주제 목록 · /about 기사 정보 · /help 도움말",
    "/topics — all topics · /about — the article · /help — this message",
)

# /about
ABOUT_HEAD = Text("기사 정보", "About the article")
ABOUT_TITLE = Text("제목: {title}", "Title: {title}")
ABOUT_NEWSPAPER = Text("신문: {newspaper}", "Newspaper: {newspaper_en} ({newspaper})")
ABOUT_DATE = Text("날짜: {date}", "Date: {date}")
ABOUT_REPORTER = Text("기자: {reporter}", "Reporter: {reporter_en} ({reporter})")

# A bare /ask or /fact
ASK_USAGE = Text("명령 뒤에 질문을 써 주세요. 예: ", "Put your question after the command, e.g. ")
ASK_USAGE_GROUPS = Text(
    "그룹에서는 {mention} 처럼 불러도 돼요.", "In groups you can also write {mention}."
)
ASK_USAGE_QUESTION = Text("질문", "question")

# /topics
TOPICS_HEAD = Text("주제 목록", "Topics")
TOPICS_HINT = Text("누르면 답을 보여 드려요.", "tap one to get its answer.")

# /stats
STATS_HEAD = Text("통계", "Statistics")
STATS_QUESTIONS = Text("질문: {count}", "Questions: {count}")
STATS_ANSWERED = Text("답변: {count}", "Answered: {count}")
STATS_DECLINED = Text("답할 수 없음: {count}", "Declined: {count}")
STATS_VOTES = Text("의견: 👍 {up} · 👎 {down}", "Feedback: 👍 {up} · 👎 {down}")
STATS_UNANSWERED_HEAD = Text("답하지 못한 질문 (많은 순)", "Top unanswered questions")
STATS_UNANSWERED_NEAREST = Text("{entry} 항목의 질문으로 추가", "add to entry {entry}")
STATS_UNANSWERED_OFF_TOPIC = Text("기사 밖 질문", "off-topic")
STATS_VOTES_HEAD = Text("항목별 의견 (👎 많은 순)", "Votes per entry (most 👎 first)")

# Short notices
PLEASE_SEND_TEXT = Text(
    "글자만 읽을 수 있어요. 기사에 대한 질문을 글로 보내 주세요.",
    "I can only read text. Please type your question about the article.",
)
UNKNOWN_COMMAND = Text(
    "모르는 명령이에요. /help 로 쓸 수 있는 명령을 확인하세요.",
    "I don't know that command. Send /help to see what I can do.",
)
SLOW_DOWN = Text(
    "질문이 너무 빨라요. 잠시 후에 다시 물어봐 주세요.",
    "You're sending questions very fast. Please wait a few seconds.",
)
CONTEXT_RESET = Text(
    "지금까지의 대화는 잊었어요. 새로 물어보세요.",
    "I've forgotten our conversation so far. Ask me anything about the article.",
)
TOO_MANY_AT_ONCE = Text(
    "질문이 한꺼번에 너무 많이 와서 일부는 답하지 못했어요. 잠시 후에 다시 물어봐 주세요.",
    "Too many questions at once, so some went unanswered. Please ask again in a minute.",
)
VOTE_THANKS = Text("의견 고마워요!", "Thanks for the feedback!")
STALE_BUTTON = Text(
    "이 버튼은 더 이상 쓸 수 없어요. 다시 물어보거나 /topics 를 보내 주세요.",
    "This button no longer works. Please ask again or send /topics.",
)
ERROR_APOLOGY = Text(
    "죄송해요, 처리하다 문제가 생겼어요. 다시 시도해 주세요.",
    "Sorry, something went wrong on my side. Please try again.",
)

# The console chat
CHAT_PROMPT = Text(
    "질문을 입력하세요 (Ask in Korean or English; Ctrl-D to quit).",
    "Ask in Korean or English (질문을 입력하세요; Ctrl-D to quit).",
)
