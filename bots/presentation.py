"""Presentation rules every renderer follows, so that Slack, Discord and the next platform agree on
what an answer shows: which actions, which menu, which words when something goes wrong."""

from __future__ import annotations

import gzip

from core.answers import Answer, Attachment

PERSONAL_COMMANDS = frozenset(("mod", "my-data", "forget-me"))


def shows_actions(answer: Answer) -> bool:
    """Related buttons, menus and votes, unless the answer is personal or for moderators: there is
    nothing to share or browse from someone's data or a review."""
    return not (answer.private and answer.command in PERSONAL_COMMANDS)


def faq_menu(answer: Answer) -> bool:
    """The FAQ listing offers its questions as one menu instead of a wall of buttons."""
    return answer.ref == "list:faq" and bool(answer.suggestions)


def can_share(answer: Answer) -> bool:
    """Only answers from the content can be shared in the channel: never an emergency, an error or a
    personal answer, which belong to the person who asked."""
    return answer.from_content and shows_actions(answer)


def can_vote(answer: Answer) -> bool:
    """ "Helpful / Not helpful" needs a content answer and the logged question it answers."""
    return answer.from_content and answer.record_id is not None and shows_actions(answer)


class Texts:
    """What people read when something did not work: short, kind, and never a traceback."""

    FAILED = "Something went wrong on my side. Please try again in a moment."
    MODERATORS_ONLY = "Only this community's moderators can review its question log."
    BAD_OPTION = "I couldn't read one of the options. Please check it and try again."
    SLOW_DOWN = "Slow down a little: try again in {seconds} seconds."
    NOT_HERE = "This only works in a server or workspace, not in a direct message."
    EXPORT_TOO_LARGE = (
        "The export is too large to attach here ({size}, the limit is {limit}). "
        "Narrow it with `since YYYY-MM-DD`, or run `exobot log export` on the server."
    )
    VOTED = "Thanks for the feedback."
    POSTED = "Posted for everyone to read."
    INVITE_ME = "I'm not in this channel, so I can't post there. Invite me with `/invite @exobot` and try again."
    USE_COMMAND = "That one is personal, so I answer it only where no one else can see: use `{command}`."
    WORKING = "Working on it…"


def fit_attachment(attachment: Attachment, limit: int) -> Attachment | None:
    """attachment as it is, gzip-compressed when that makes it fit under limit bytes, or None."""
    if len(attachment.content) <= limit:
        return attachment
    packed = gzip.compress(attachment.content, mtime=0)
    if len(packed) <= limit:
        return Attachment(attachment.filename + ".gz", packed, "application/gzip")
    return None


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024**2:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024**2:.1f} MB"
