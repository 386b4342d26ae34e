"""Small talk: "hi", "thanks!", "ok", "who are you". A short friendly reply, not a miss in the log.

A message is small talk when every word in it is a word of greeting, thanks, farewell, assent or of
asking who the bot is: "hi, is it safe?" has a question in it, which the engine answers.
"""

from __future__ import annotations

import re
from enum import StrEnum

from core.text import fold


class Chat(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    GOODBYE = "goodbye"
    OK = "ok"
    WHO = "who"


_KINDS: dict[Chat, frozenset[str]] = {
    Chat.THANKS: frozenset(
        """thanks thank thx thanx ty tysm tyvm cheers appreciate appreciated helpful helped helps ta grateful
        kudos lifesaver gracias merci danke grazie obrigado arigato kamsahamnida dhanyavad shukran""".split()
    ),
    Chat.GOODBYE: frozenset("bye goodbye cya ttyl later laters night gn exit quit stop end leave adios ciao".split()),
    Chat.WHO: frozenset(
        """who what whats are r u you bot robot ai human person real chatgpt gpt made built work works can do
        use ask need help your name called""".split()
    ),
    Chat.GREETING: frozenset(
        """hi hii hey heya hello helo hallo hiya howdy yo sup wassup gm morning afternoon evening greetings hola
        there all everyone everybody folks up""".split()
    ),
}
"""What the message is, from its words, in this order: "thanks, bye" is thanks."""
_FILLER = frozenset(
    """ok okay k kk cool nice good great awesome perfect amazing brilliant legend lovely sweet neat fine right
    alright sure yes yeah yep yup no nope nah hmm hm lol lmao lmfao rofl haha hahaha hehe wow oh ah oof ugh
    interesting noted understood gotcha got it i see makes sense fair enough wtf omg idk huh bad bad much so very
    a an the this that is am me my mate man dude buddy guys again too and also just really how it going doing
    exobot test testing one well much lot lots for or now today youre funny nvm nevermind never mind np""".split()
)
"""Words that go with any small talk ("ok cool thanks", "nice one", "bad bot")."""
_WORD = re.compile(r"[a-z]+")


_ABOUT_THE_BOT = frozenset("who bot robot ai human person real chatgpt help name".split())


def _is_about_the_bot(found: set[str]) -> bool:
    """ "who are you", "are u a bot", "what can you do": not "what", "are" or "you" alone."""
    if _ABOUT_THE_BOT & found:
        return True
    return bool({"what", "whats", "can"} & found and {"you", "u", "do", "work", "use"} & found)


def small_talk(text: str) -> Chat | None:
    """What kind of small talk the whole message is, or None when it says anything more."""
    folded = re.sub(r"(\w)\1{2,}", r"\1\1", fold(text))  # "hiiii", "thanksss"
    found = _WORD.findall(folded)
    if not found:
        # Emoji, "??" or "!!" alone: a reaction, not a question (an empty message never gets here).
        return Chat.OK if len(folded.strip()) <= 12 else None
    if len(found) > 8 or any(w not in _FILLER and not any(w in words for words in _KINDS.values()) for w in found):
        return None
    for chat, words in _KINDS.items():
        if chat is Chat.WHO and not _is_about_the_bot(set(found)):
            continue
        if words.intersection(found):
            return chat
    return Chat.OK
