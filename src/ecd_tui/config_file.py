"""Write the non-secret carrier settings into a TOML config file.

``tomllib`` only reads, so this writes the small subset of TOML the config uses: tables
of strings, integers, floats and booleans. Secrets never pass through here.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

SECRET_KEYS = {"auth_token", "password", "api_secret", "passphrase"}


class ConfigWriteError(Exception):
    """The config file cannot be read or written; the message explains why."""


def update_config_file(path: Path, sections: dict[str, dict[str, object]]) -> None:
    """Merge ``sections`` into the TOML file at ``path``, creating it (mode 0644) when missing.

    A value of None removes that key. Other sections and keys stay as they were.
    NOTE: comments in an existing file are not kept, because the file is rewritten.

    Raises:
        ConfigWriteError: the file is not valid TOML or cannot be written, or a section
            contains a secret's key.
    """
    for table in sections.values():
        leaked = SECRET_KEYS & set(table)
        if leaked:
            raise ConfigWriteError(f"Secrets ({', '.join(sorted(leaked))}) never go into the config file; store them with `ecd-tui setup`.")
    values: dict[str, dict[str, object]] = {}
    if path.exists():
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigWriteError(f"Config file {path} cannot be read: {error}.") from error
    for name, table in sections.items():
        merged = dict(values.get(name, {}))
        for key, value in table.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        values[name] = merged
    text = _dump(values)
    temporary = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as error:
        raise ConfigWriteError(f"Config file {path} cannot be written: {error.strerror}. Use --config to write another file.") from error


def _dump(values: dict[str, object]) -> str:
    lines = ["# Written by ecd-tui setup. Secrets are never stored here.", ""]
    for name, table in values.items():
        if not isinstance(table, dict):
            lines.insert(2, f"{name} = {_value(table)}")
            continue
        lines.append(f"[{name}]")
        for key, value in table.items():
            lines.append(f"{key} = {_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    # A JSON string is a valid TOML basic string: both escape quotes, backslashes and
    # control characters the same way.
    return json.dumps(str(value))
