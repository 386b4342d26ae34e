"""What the Slack adapter reads from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Secret


@dataclass(frozen=True)
class SlackSettings:
    bot_token: Secret
    signing_secret: Secret | None
    app_token: Secret | None
    api_base_url: str | None = None
    moderators: tuple[str, ...] = ()
    teams: frozenset[str] = frozenset()
    """Workspaces (team ids) exobot serves; empty serves every workspace the app is installed in."""
    host: str = "127.0.0.1"
    port: int = 3000

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    def serves(self, team: str | None) -> bool:
        return not self.teams or team in self.teams
