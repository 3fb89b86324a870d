"""Settings: built-in profile < settings file < environment < command-line flags.

Validated once when loaded (an unknown key or a bad value is a ConfigError naming it)
and passed explicitly as a frozen value.  There is no global configuration object.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from mediashelf.dburl import is_server
from mediashelf.errors import ConfigError
from mediashelf.xdg import config_home, data_home

#: beets ignores the same names by default.
DEFAULT_EXCLUDE: tuple[str, ...] = (".*", "*~", "System Volume Information", "lost+found")


@dataclass(frozen=True, slots=True)
class Profile:
    """How a scan uses the machine."""

    jobs: int  # extraction worker processes; 0 = one per CPU core
    batch_size: int  # files per task sent to a worker
    memory_mb: int  # address-space ceiling of each worker
    timeout: float  # seconds one file may take before it is recorded as a failure
    write_batch: int  # rows per catalog transaction


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


PROFILES: dict[str, Profile] = {
    # Batches of 128 files: per-batch costs (pickling, queues, futures) are measurable at
    # 48 and gone by 128; smaller queues are split so that every worker gets a share.
    "default": Profile(jobs=0, batch_size=128, memory_mb=1024, timeout=30.0, write_batch=5000),
    "fast": Profile(jobs=0, batch_size=256, memory_mb=2048, timeout=30.0, write_batch=10000),
    "low-memory": Profile(jobs=1, batch_size=16, memory_mb=384, timeout=30.0, write_batch=500),
    # network shares: reads wait on I/O, so more workers than cores and smaller tasks
    "network": Profile(jobs=-4, batch_size=8, memory_mb=1024, timeout=120.0, write_batch=1000),
}


#: Unicode normal forms for organized names ("none": keep what the tags say)
NORMALIZATIONS: tuple[str, ...] = ("NFC", "NFD", "NFKC", "NFKD", "none")


@dataclass(frozen=True, slots=True)
class OrganizeSettings:
    """The `[organize]` table: path templates chosen by query, and path sanitising."""

    #: (query, template) pairs, first match wins; empty: the built-in set
    templates: tuple[tuple[str, str], ...] = ()
    #: (regex, replacement) pairs applied to every value; None: the built-in table
    replace: tuple[tuple[str, str], ...] | None = None
    normalization: str = "NFC"  # one of NORMALIZATIONS


#: names of files still being written (downloads, copies, office lock files); the
#: watcher skips them until they are renamed.  `.*` covers rsync's `.name.XXXXXX`.
PARTIAL_NAMES: tuple[str, ...] = (
    "*.part", "*.crdownload", "*.!qB", "*.tmp", "~$*", ".*.??????", "*.partial", "*.download",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """The `[watch]` table: how `shelf watch` waits and polls."""

    settle: float = 5.0  # seconds a folder must be quiet before it is rescanned
    partial: tuple[str, ...] = PARTIAL_NAMES  # globs of names still being written
    reconcile: float = 6 * 3600.0  # seconds between full incremental rescans; 0: never
    poll: float = 30.0  # seconds between polls of folders that are not watched
    max_watches: int = 0  # inotify watches to use at most; 0: what the kernel allows


@dataclass(frozen=True, slots=True)
class Settings:
    db: Path  # the SQLite catalog (unused when `db_url` names a server)
    profile_name: str
    profile: Profile
    exclude: tuple[str, ...]
    follow_symlinks: bool
    one_file_system: bool
    config_path: Path | None
    organize: OrganizeSettings = OrganizeSettings()
    #: the mount guard holds a root's missing marks when more than this share of its
    #: files vanish at once (and at least `hold_missing_min` files)
    hold_missing_share: float = 0.5
    hold_missing_min: int = 20
    watch: WatchSettings = WatchSettings()
    #: a PostgreSQL catalog's connection URI (see dburl.py), else None
    db_url: str | None = None

    @property
    def catalog(self) -> Path | str:
        """The catalog to open: the server's URI, else the SQLite file."""
        return self.db_url if self.db_url is not None else self.db

    @property
    def catalog_name(self) -> str:
        """The catalog as messages show it (a URI's password masked)."""
        from mediashelf.dburl import masked

        return masked(self.db_url) if self.db_url is not None else str(self.db)

    @property
    def jobs(self) -> int:
        """Worker processes: a profile's 0 means one per core, -N means N per core."""
        jobs = self.profile.jobs
        if jobs <= 0:
            return max(1, _cpus() * max(1, -jobs))
        return jobs


def default_db_path() -> Path:
    """`$XDG_DATA_HOME/mediashelf/library.db` (default `~/.local/share/mediashelf/library.db`)."""
    return data_home() / "mediashelf" / "library.db"


def default_config_path() -> Path:
    return config_home() / "mediashelf" / "config.toml"


_TOP_KEYS = {
    "db",
    "profile",
    "exclude",
    "follow_symlinks",
    "one_file_system",
    "jobs",
    "profiles",
    "organize",
    "hold_missing_share",
    "hold_missing_min",
    "watch",
}
_WATCH_KEYS = {"settle", "partial", "reconcile", "poll", "max_watches"}
_ORGANIZE_KEYS = {"templates", "replace", "normalization"}
_PROFILE_KEYS = {f.name for f in fields(Profile)}


def _unknown(key: str, where: str, known: set[str]) -> ConfigError:
    import difflib

    close = difflib.get_close_matches(key, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(known))})"
    return ConfigError(f"{where}: unknown key '{key}'{hint}")


def _check_type(where: str, key: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if isinstance(value, bool) and kind is not bool and kind != (bool,):
        raise ConfigError(f"{where}: '{key}' must be {what}, not {value!r}")
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: '{key}' must be {what}, not {value!r}")
    return value


def _profile_overrides(where: str, table: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _PROFILE_KEYS:
            raise _unknown(key, where, _PROFILE_KEYS)
        if key == "timeout":
            value = float(_check_type(where, key, value, (int, float), "a number of seconds"))
            if value <= 0:
                raise ConfigError(f"{where}: 'timeout' must be more than 0 seconds")
        elif key == "jobs":
            _check_type(where, key, value, int, "a whole number (0 = one per core)")
        else:
            _check_type(where, key, value, int, "a whole number")
            if value < 1:
                raise ConfigError(f"{where}: '{key}' must be at least 1, not {value}")
        out[key] = value
    return out


def _organize(where: str, table: Any) -> OrganizeSettings:
    where = f"{where} [organize]"
    _check_type(where, "organize", table, dict, "a table")
    for key in table:
        if key not in _ORGANIZE_KEYS:
            raise _unknown(key, where, _ORGANIZE_KEYS)
    templates = []
    entries = table.get("templates", [])
    _check_type(where, "templates", entries, list, 'a list of {match = "QUERY", path = "TEMPLATE"}')
    for entry in entries:
        _check_type(where, "templates", entry, dict, '{match = "QUERY", path = "TEMPLATE"} tables')
        extra = set(entry) - {"match", "path"}
        if extra or "path" not in entry:
            raise ConfigError(
                f'{where}: each template is {{match = "QUERY", path = "TEMPLATE"}}, not {entry!r}'
            )
        match = _check_type(where, "match", entry.get("match", ""), str, "a query")
        templates.append((match, _check_type(where, "path", entry["path"], str, "a template")))
    replace_table = table.get("replace")
    replace_pairs: tuple[tuple[str, str], ...] | None = None
    if replace_table is not None:
        _check_type(where, "replace", replace_table, dict, 'a table of "REGEX" = "REPLACEMENT"')
        for value in replace_table.values():
            _check_type(where, "replace", value, str, "replacement text")
        replace_pairs = tuple(replace_table.items())
    normalization = table.get("normalization", "NFC")
    if normalization not in NORMALIZATIONS:
        raise ConfigError(
            f"{where}: 'normalization' must be one of {', '.join(NORMALIZATIONS)}, "
            f"not {normalization!r}"
        )
    return OrganizeSettings(tuple(templates), replace_pairs, normalization)


def parse_duration(text: str) -> float:
    """`90`, `90s`, `15m`, `6h`, `1d` → seconds (ValueError if it is none of those)."""
    text = text.strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(text[-1:], 0)
    value = float(text[:-1] if scale else text)
    if value < 0 or value != value:
        raise ValueError(text)
    return value * (scale or 1)


def _watch(where: str, table: Any) -> WatchSettings:
    where = f"{where} [watch]"
    _check_type(where, "watch", table, dict, "a table")
    out = WatchSettings()
    for key, value in table.items():
        if key not in _WATCH_KEYS:
            raise _unknown(key, where, _WATCH_KEYS)
        if key in ("settle", "poll", "reconcile"):
            try:
                seconds = parse_duration(
                    str(_check_type(where, key, value, (int, float, str), "a duration"))
                )
            except ValueError:
                raise ConfigError(
                    f"{where}: '{key}' must be a duration like 5, 30s, 15m or 6h, not {value!r}"
                ) from None
            if key != "reconcile" and seconds <= 0:
                raise ConfigError(f"{where}: '{key}' must be more than 0 seconds")
            seconds_of: dict[str, Any] = {key: seconds}
            out = replace(out, **seconds_of)
        elif key == "partial":
            _check_type(where, key, value, list, "a list of glob patterns")
            for pattern in value:
                _check_type(where, key, pattern, str, "a list of glob patterns")
            out = replace(out, partial=PARTIAL_NAMES + tuple(value))
        else:
            if _check_type(where, key, value, int, "a whole number") < 0:
                raise ConfigError(f"{where}: '{key}' must be 0 (the kernel's limit) or more")
            out = replace(out, max_watches=value)
    return out


def _guard(where: str, data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "hold_missing_share" in data:
        share = _check_type(
            where,
            "hold_missing_share",
            data["hold_missing_share"],
            (int, float),
            "a share between 0 and 1",
        )
        if not 0 <= share <= 1:
            raise ConfigError(
                f"{where}: 'hold_missing_share' must be between 0 and 1, not {share!r}"
            )
        out["hold_missing_share"] = float(share)
    if "hold_missing_min" in data:
        minimum = _check_type(
            where, "hold_missing_min", data["hold_missing_min"], int, "a whole number"
        )
        if minimum < 1:
            raise ConfigError(f"{where}: 'hold_missing_min' must be at least 1, not {minimum}")
        out["hold_missing_min"] = minimum
    return out


def _read_file(path: Path) -> dict[str, Any]:
    import tomllib  # here: most runs have no settings file to parse

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    except OSError as e:
        raise ConfigError(f"{path}: cannot read settings file: {e.strerror}") from e


def _profiles(where: str, data: Mapping[str, Any]) -> dict[str, Profile]:
    """The built-in profiles, with those of the settings file added or overriding them."""
    profiles = dict(PROFILES)
    user_profiles = data.get("profiles", {})
    _check_type(where, "profiles", user_profiles, dict, "a table of [profiles.NAME] tables")
    for name, table in user_profiles.items():
        _check_type(where, f"profiles.{name}", table, dict, "a table")
        overrides = _profile_overrides(f"{where} [profiles.{name}]", table)
        profiles[name] = replace(profiles.get(name, PROFILES["default"]), **overrides)
    return profiles


def load_settings(
    *,
    config_path: Path | None = None,
    db: str | None = None,
    profile: str | None = None,
    jobs: int | None = None,
    exclude: tuple[str, ...] = (),
    follow_symlinks: bool | None = None,
    one_file_system: bool | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge every source of settings and validate the result."""
    env = os.environ if env is None else env
    if config_path is None and env.get("SHELF_CONFIG"):
        config_path = Path(env["SHELF_CONFIG"])
    explicit = config_path is not None
    path = config_path or default_config_path()
    if explicit and not path.exists():
        raise ConfigError(f"settings file {path} does not exist (check --config / SHELF_CONFIG)")
    data = _read_file(path)
    where = str(path)
    for key in data:
        if key not in _TOP_KEYS:
            raise _unknown(key, where, _TOP_KEYS)

    profiles = _profiles(where, data)
    profile_name = profile or env.get("SHELF_PROFILE") or data.get("profile") or "default"
    if not isinstance(profile_name, str) or profile_name not in profiles:
        source = (
            "--profile"
            if profile
            else ("SHELF_PROFILE" if env.get("SHELF_PROFILE") else f"{where}: 'profile'")
        )
        raise ConfigError(
            f"{source}: unknown profile {profile_name!r} (choose one of: {', '.join(profiles)})"
        )
    chosen = profiles[profile_name]
    if "jobs" in data:
        chosen = replace(chosen, **_profile_overrides(where, {"jobs": data["jobs"]}))
    if jobs is not None:
        if jobs < 0:
            raise ConfigError("--jobs must be 0 (one per core) or more")
        chosen = replace(chosen, jobs=jobs)

    db_value = db or env.get("SHELF_DB") or data.get("db")
    db_url = None
    db_path = default_db_path()
    if db_value is not None:
        _check_type(where, "db", db_value, str, "a path or a postgresql:// URL")
        if is_server(db_value):
            db_url = db_value
        else:
            db_path = Path(os.path.expanduser(db_value))

    file_exclude = data.get("exclude", list(DEFAULT_EXCLUDE))
    _check_type(where, "exclude", file_exclude, list, "a list of glob patterns")
    for pattern in file_exclude:
        _check_type(where, "exclude", pattern, str, "a list of glob patterns")

    def flag(name: str, given: bool | None) -> bool:
        if given is not None:
            return given
        value = data.get(name, False)
        return bool(_check_type(where, name, value, bool, "true or false"))

    return Settings(
        db=db_path.absolute(),
        profile_name=profile_name,
        profile=chosen,
        exclude=tuple(file_exclude) + tuple(exclude),
        follow_symlinks=flag("follow_symlinks", follow_symlinks),
        one_file_system=flag("one_file_system", one_file_system),
        config_path=path if path.exists() else None,
        organize=_organize(where, data["organize"]) if "organize" in data else OrganizeSettings(),
        db_url=db_url,
        watch=_watch(where, data["watch"]) if "watch" in data else WatchSettings(),
        **_guard(where, data),
    )
