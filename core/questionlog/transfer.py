"""Copy one question log into another (an SQLite file into PostgreSQL, when one process becomes several).

Copying is idempotent: questions are keyed by their record id, votes, watches and log events by their
natural keys, so a second run, or a run after the bot started writing to the new log, adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.questionlog.store import COPIED_TABLES, QuestionStore

_PAGE = 1000


@dataclass(frozen=True)
class CopyReport:
    read: int
    """Questions in the source."""
    questions: int
    """Of those, how many were new to the target."""
    reviews: int
    votes: int
    watched_channels: int
    log_events: int


async def copy_log(source: QuestionStore, target: QuestionStore) -> CopyReport:
    before = await target.count()
    last, read, reviews = 0, 0, 0
    while page := await source.records_after(last, _PAGE):
        await target.insert([record for _, record, _ in page])
        for _, record, review in page:
            if not review.untouched:
                reviews += await target.restore_review(record.record_id, review)
        last, read = page[-1][0], read + len(page)
    # Counted, not summed from the inserts: ON CONFLICT DO NOTHING does not say which rows it skipped.
    questions = await target.count() - before
    added = {table: await target.restore_rows(table, await source.table_rows(table)) for table in COPIED_TABLES}
    await target.refresh_statistics()
    return CopyReport(read, questions, reviews, added["votes"], added["watched_channels"], added["log_events"])
