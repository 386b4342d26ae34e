"""Parse content YAML, remembering each parsed file as JSON keyed by a hash of its text.

PyYAML costs about 35 ms to import and parse our content; a JSON copy costs about 1 ms, which is most of
the difference between a one-shot ``exobot ask`` that starts in time and one that does not. The key is
the file's own text, so an edited file can never be served from a stale copy, and the copy is only a
parse result: validation always runs on it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

_FORMAT = "1"  # bump when what parse() returns changes shape


class YamlError(ValueError):
    """The text is not valid YAML; the message says where."""


def parse(text: str, cache_dir: Path | None = None) -> Any:
    """The YAML document in text, with dates left as text so validation can name a bad one."""
    cached = cache_dir / f"{hashlib.sha256((_FORMAT + text).encode()).hexdigest()}.json" if cache_dir else None
    if cached is not None:
        with contextlib.suppress(OSError, ValueError):
            return json.loads(cached.read_text(encoding="utf-8"))
    document = _parse_yaml(text)
    if cached is not None:
        _write_atomically(cached, json.dumps(document))
    return document


def _parse_yaml(text: str) -> Any:
    import yaml

    loader_base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(loader_base):  # type: ignore[valid-type,misc]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise YamlError(str(exc)) from None


def _write_atomically(path: Path, text: str) -> None:
    """Best effort: a cache that cannot be written only costs speed."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
