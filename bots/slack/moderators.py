"""Who may use ``/exosome mod`` on Slack: listed user ids, or members of listed user groups.

Group membership comes from ``usergroups.users.list``, a Tier 2 method (about 20 calls a minute), so
it is never called while someone waits for an answer: a background task refreshes the members,
backing off when Slack says so, and a failed refresh keeps the last good set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

REFRESH_EVERY = 300.0


class Moderators:
    def __init__(self, ids: tuple[str, ...], client: AsyncWebClient, *, refresh_every: float = REFRESH_EVERY) -> None:
        self._users = frozenset(i for i in ids if not i.startswith("S"))
        self._groups = tuple(i for i in ids if i.startswith("S"))
        self._client = client
        self._refresh_every = refresh_every
        self._members: dict[str, frozenset[str]] = {}
        self._task: asyncio.Task[None] | None = None

    def includes(self, user_id: str) -> bool:
        """From memory only: no Web API call ever sits between a command and its acknowledgement."""
        return user_id in self._users or any(user_id in members for members in self._members.values())

    async def start(self) -> None:
        if self._groups:
            self._task = asyncio.create_task(self._refresh_forever(), name="slack-moderator-groups")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def refresh(self) -> float:
        """Read every group once; the seconds to wait before the next refresh."""
        wait = self._refresh_every
        for group in self._groups:
            try:
                response = await self._client.usergroups_users_list(usergroup=group)
                self._members[group] = frozenset(response.get("users") or ())
            except SlackApiError as exc:
                retry_after = exc.response.headers.get("Retry-After") if exc.response is not None else None
                log.warning("could not read Slack user group %s (%s); keeping the last members known", group,
                            _error(exc))  # fmt: skip
                wait = min(wait, max(float(retry_after or 0), 5.0)) if retry_after else min(wait, 30.0)
            except Exception as exc:  # the network: keep the last good set and try again soon
                log.warning("could not read Slack user group %s (%s: %s)", group, type(exc).__name__, exc)
                wait = min(wait, 30.0)
        return wait

    async def _refresh_forever(self) -> None:
        while True:
            wait = await self.refresh()
            await asyncio.sleep(wait)


def _error(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error")) if isinstance(data, dict) else "no JSON reply"
