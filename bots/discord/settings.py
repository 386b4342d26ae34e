"""What the Discord adapter reads from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Secret


@dataclass(frozen=True)
class DiscordSettings:
    token: Secret
    application_id: str | None = None
    shard_count: int | None = None
    """Set for large bots (2,500+ servers): switches to discord.py's AutoShardedClient."""
    shard_ids: tuple[int, ...] | None = None
    """The shards this process runs, when several processes share the bot's shards."""
    private_by_default: bool = False
    api_base_url: str | None = None
    gateway_url: str | None = None
    guilds: frozenset[str] = frozenset()
    """Servers exobot serves; empty serves every server the bot is in."""

    def serves(self, guild_id: int | None) -> bool:
        """DMs and user installs outside a server are served; a server only if it is allowed."""
        return guild_id is None or not self.guilds or str(guild_id) in self.guilds
