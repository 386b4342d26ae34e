"""The deployment files agree with the code: every setting documented, defaults loadable, hardening on."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bots.config import load_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _settings_read_by_code() -> set[str]:
    code = (ROOT / "core" / "settings.py").read_text(encoding="utf-8")
    for adapter in (ROOT / "bots").glob("*/adapter.py"):
        code += adapter.read_text(encoding="utf-8")
    return set(re.findall(r"\"((?:EXOBOT|SLACK|DISCORD)_[A-Z_]+)\"", code))


def test_env_example_lists_every_setting() -> None:
    documented = set(re.findall(r"^([A-Z_]+)=", (DEPLOY / ".env.example").read_text(encoding="utf-8"), re.M))
    missing = _settings_read_by_code() - documented
    assert not missing, f"not in deploy/.env.example: {sorted(missing)}"
    assert "EXOBOT_CONTENT_DIR" in documented


def test_env_example_as_is_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config({"EXOBOT_DATA_DIR": str(tmp_path)}, env_file=DEPLOY / ".env.example")
    settings = config.settings
    assert config.configured == ()
    assert settings.retention_days == 90 and settings.store_text is True
    assert settings.health_addr == ("127.0.0.1", 8080) and settings.log_format == "text"
    assert (settings.rate_limit.count, settings.rate_limit.seconds) == (5, 60)


def test_dockerfile_runs_unprivileged_with_a_volume_and_healthcheck() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    assert re.search(r"^USER exobot", dockerfile, re.M)
    assert 'VOLUME ["/data"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile


def test_systemd_unit_is_hardened_and_reloads_with_sighup() -> None:
    unit = (DEPLOY / "systemd" / "exobot.service").read_text(encoding="utf-8")
    for option in ("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                   "CapabilityBoundingSet=", "StateDirectory=exobot"):  # fmt: skip
        assert option in unit
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit and "KillSignal=SIGTERM" in unit


def test_compose_uses_the_dockerfile_and_a_volume() -> None:
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert "dockerfile: deploy/Dockerfile" in compose and "exobot-data:/data" in compose


def test_compose_keeps_postgresql_behind_a_profile() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert "profiles" not in services["exobot"]  # a plain `docker compose up` is exobot on SQLite alone
    postgres = services["postgres"]
    assert postgres["profiles"] == ["postgres"] and postgres["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"]) and "ports" not in postgres
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert services["exobot"]["depends_on"]["postgres"] == {"condition": "service_healthy", "required": False}
    assert set(compose["volumes"]) == {"exobot-data", "postgres-data"}
    assert "EXOBOT_DATABASE_URL=postgresql://exobot:" in (DEPLOY / "compose.yaml").read_text(encoding="utf-8")


def test_no_secrets_are_committed() -> None:
    for path in ROOT.rglob("*"):
        if ".venv" in path.parts or ".git" in path.parts or not path.is_file() or path.suffix in {".pyc", ".db"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        assert not re.search(r"xox[bpa]-\d{6,}-\d{6,}", text), path  # a real-looking Slack token
        assert not re.search(r"xapp-\d-[A-Z0-9]{8,}-\d{6,}", text), path
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8")
