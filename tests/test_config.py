"""Settings: file + profile + environment + flags, validated once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mediashelf.app import settings as app_settings
from mediashelf.config import DEFAULT_EXCLUDE, PROFILES, default_config_path, load_settings
from mediashelf.errors import ConfigError
from tests.conftest import Shelf


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "settings.toml"


def test_built_in_defaults_without_a_settings_file(tmp_path: Path) -> None:
    s = load_settings(env={})
    assert s.profile_name == "default"
    assert s.profile == PROFILES["default"]
    assert s.exclude == DEFAULT_EXCLUDE
    assert not s.follow_symlinks and not s.one_file_system
    assert s.config_path is None
    # the default catalog lives under XDG_DATA_HOME (pointed into tmp_path for every test)
    assert s.db == tmp_path / "xdg-data" / "mediashelf" / "library.db"
    assert s.jobs >= 1


def test_default_settings_file_is_read_from_xdg_config_home(tmp_path: Path) -> None:
    path = default_config_path()
    assert path == tmp_path / "xdg-config" / "mediashelf" / "config.toml"
    write(path, 'db = "/somewhere/lib.db"\nfollow_symlinks = true\n')
    s = load_settings(env={})
    assert s.db == Path("/somewhere/lib.db")
    assert s.follow_symlinks
    assert s.config_path == path


def test_settings_file_values(cfg: Path) -> None:
    write(
        cfg,
        """
db = "/data/music.db"
profile = "fast"
exclude = ["*.tmp", "Podcasts/*"]
follow_symlinks = true
one_file_system = true
jobs = 3
""",
    )
    s = load_settings(config_path=cfg, env={})
    assert s.db == Path("/data/music.db")
    assert s.profile_name == "fast"
    assert s.profile.batch_size == PROFILES["fast"].batch_size
    assert s.profile.jobs == 3 and s.jobs == 3
    assert s.exclude == ("*.tmp", "Podcasts/*")  # the file's list replaces the defaults
    assert s.follow_symlinks and s.one_file_system
    assert s.config_path == cfg


@pytest.mark.parametrize(
    ("text", "key", "suggestion"),
    [
        ('exlude = ["x"]\n', "exlude", "exclude"),
        ("follow_symlink = true\n", "follow_symlink", "follow_symlinks"),
        ("[profiles.mine]\ntimout = 5\n", "timout", "timeout"),
        ("[profiles.mine]\nbatchsize = 5\n", "batchsize", "batch_size"),
    ],
)
def test_unknown_key_is_named_with_a_suggestion(
    cfg: Path, text: str, key: str, suggestion: str
) -> None:
    write(cfg, text)
    with pytest.raises(ConfigError) as err:
        load_settings(config_path=cfg, env={})
    message = str(err.value)
    assert f"unknown key '{key}'" in message
    assert f"did you mean '{suggestion}'" in message
    assert str(cfg) in message


def test_unknown_key_without_a_close_match_lists_the_known_keys(cfg: Path) -> None:
    write(cfg, "zzz = 1\n")
    with pytest.raises(ConfigError, match=r"unknown key 'zzz' \(known: db, exclude"):
        load_settings(config_path=cfg, env={})


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('jobs = "4"\n', "'jobs' must be a whole number"),
        ("jobs = true\n", "'jobs' must be a whole number"),
        ('exclude = "*.tmp"\n', "'exclude' must be a list of glob patterns"),
        ("exclude = [1, 2]\n", "'exclude' must be a list of glob patterns"),
        ('follow_symlinks = "yes"\n', "'follow_symlinks' must be true or false"),
        ("db = 5\n", "'db' must be a path"),
        ("profile = 3\n", "unknown profile 3"),
        ('profiles = "fast"\n', "'profiles' must be a table"),
        ("[profiles.x]\ntimeout = 0\n", "'timeout' must be more than 0 seconds"),
        ('[profiles.x]\ntimeout = "slow"\n', "'timeout' must be a number of seconds"),
        ("[profiles.x]\nbatch_size = 0\n", "'batch_size' must be at least 1"),
        ("[profiles.x]\nmemory_mb = 1.5\n", "'memory_mb' must be a whole number"),
        ("[profiles.x]\nwrite_batch = false\n", "'write_batch' must be a whole number"),
        ("jobs = \n", "not valid TOML"),
    ],
)
def test_bad_values_are_named(cfg: Path, text: str, needle: str) -> None:
    write(cfg, text)
    with pytest.raises(ConfigError) as err:
        load_settings(config_path=cfg, env={})
    assert needle in str(err.value)
    assert str(cfg) in str(err.value)


def test_user_profiles_start_from_default_and_can_refine_built_ins(cfg: Path) -> None:
    write(
        cfg,
        """
profile = "tiny"
[profiles.tiny]
timeout = 0.5
batch_size = 2
[profiles.fast]
write_batch = 7
""",
    )
    s = load_settings(config_path=cfg, env={})
    assert s.profile_name == "tiny"
    assert s.profile.timeout == 0.5 and s.profile.batch_size == 2
    assert s.profile.memory_mb == PROFILES["default"].memory_mb
    fast = load_settings(config_path=cfg, profile="fast", env={})
    assert fast.profile.write_batch == 7
    assert fast.profile.batch_size == PROFILES["fast"].batch_size


def test_unknown_profile_lists_the_choices(cfg: Path) -> None:
    write(cfg, "[profiles.mine]\njobs = 2\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config_path=cfg, profile="nope", env={})
    message = str(err.value)
    assert "--profile" in message and "'nope'" in message
    for name in ("default", "fast", "low-memory", "network", "mine"):
        assert name in message
    with pytest.raises(ConfigError, match="SHELF_PROFILE: unknown profile 'gone'"):
        load_settings(config_path=cfg, env={"SHELF_PROFILE": "gone"})


def test_environment_overrides_file(cfg: Path, tmp_path: Path) -> None:
    write(cfg, 'db = "/from/file.db"\nprofile = "fast"\n')
    env = {"SHELF_DB": "/from/env.db", "SHELF_PROFILE": "low-memory"}
    s = load_settings(config_path=cfg, env=env)
    assert s.db == Path("/from/env.db")
    assert s.profile_name == "low-memory"


def test_shelf_config_names_the_settings_file(cfg: Path) -> None:
    write(cfg, 'db = "/via/shelf-config.db"\n')
    s = load_settings(env={"SHELF_CONFIG": str(cfg)})
    assert s.db == Path("/via/shelf-config.db")
    assert s.config_path == cfg


def test_an_explicit_settings_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_path=tmp_path / "missing.toml", env={})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={"SHELF_CONFIG": str(tmp_path / "missing.toml")})


def test_flags_beat_environment_beat_file_beat_built_in(cfg: Path) -> None:
    write(
        cfg,
        """
db = "/file.db"
profile = "fast"
jobs = 5
exclude = ["*.file"]
follow_symlinks = false
""",
    )
    env = {"SHELF_DB": "/env.db", "SHELF_PROFILE": "network"}
    file_only = load_settings(config_path=cfg, env={})
    assert (file_only.db, file_only.profile_name, file_only.jobs) == (Path("/file.db"), "fast", 5)
    with_env = load_settings(config_path=cfg, env=env)
    assert (with_env.db, with_env.profile_name, with_env.jobs) == (Path("/env.db"), "network", 5)
    flags = load_settings(
        config_path=cfg,
        env=env,
        db="/flag.db",
        profile="low-memory",
        jobs=2,
        exclude=("*.flag",),
        follow_symlinks=True,
    )
    assert (flags.db, flags.profile_name, flags.jobs) == (Path("/flag.db"), "low-memory", 2)
    assert flags.profile.batch_size == PROFILES["low-memory"].batch_size
    assert flags.exclude == ("*.file", "*.flag")  # flag patterns add to the file's
    assert flags.follow_symlinks


def test_jobs_zero_means_one_per_core_and_negative_flag_is_refused(cfg: Path) -> None:
    s = load_settings(jobs=0, env={})
    assert s.jobs >= 1
    with pytest.raises(ConfigError, match="--jobs"):
        load_settings(jobs=-1, env={})


def test_db_path_is_absolute_and_tilde_expanded_from_the_file(
    cfg: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write(cfg, 'db = "~/music.db"\n')
    assert load_settings(config_path=cfg, env={}).db == tmp_path / "home" / "music.db"
    monkeypatch.chdir(tmp_path)
    assert load_settings(db="rel.db", env={}).db == tmp_path / "rel.db"


def test_settings_are_frozen() -> None:
    s = load_settings(env={})
    with pytest.raises(AttributeError):
        s.db = Path("/x")  # type: ignore[misc]


@pytest.mark.parametrize("form", ["NFC", "NFD", "NFKC", "NFKD", "none"])
def test_every_documented_normalization_is_accepted(cfg: Path, form: str) -> None:
    write(cfg, f'[organize]\nnormalization = "{form}"\n')
    assert load_settings(config_path=cfg, env={}).organize.normalization == form


def test_an_unknown_normalization_names_the_choices(cfg: Path) -> None:
    write(cfg, '[organize]\nnormalization = "NFX"\n')
    with pytest.raises(ConfigError, match="NFC, NFD, NFKC, NFKD, none"):
        load_settings(config_path=cfg, env={})


@pytest.mark.parametrize("value", ["", "relative/path", "./here"])
def test_relative_xdg_folders_are_ignored_as_the_spec_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from mediashelf import xdg

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, value)
    home = tmp_path / "home"
    assert xdg.data_home() == home / ".local" / "share"
    assert xdg.config_home() == home / ".config"
    assert xdg.cache_home() == home / ".cache"
    assert xdg.state_home() == home / ".local" / "state"
    assert default_config_path() == home / ".config" / "mediashelf" / "config.toml"
    assert load_settings(env={}).db == home / ".local" / "share" / "mediashelf" / "library.db"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('templates = [{match = "artst:x", path = "$title"}]', "unknown field 'artst'"),
        ('templates = [{match = "", path = "$titel/$album"}]', "unknown field $titel"),
        ('templates = [{match = "", path = "%lower{$title"}]', "templates"),
        ('replace = {"[" = "_"}', "bad regex"),
    ],
)
def test_organize_settings_are_checked_when_they_load_not_at_first_use(
    shelf: Shelf, cfg: Path, table: str, message: str
) -> None:
    write(cfg, f"[organize]\n{table}\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        app_settings.load(config_path=cfg, env={})
    # so even a command that never organizes says so, in one line, before it starts
    r = shelf.run("stats", "--config", cfg)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.splitlines()) == 1 and message.encode() in r.stderr


def test_good_organize_settings_load(cfg: Path) -> None:
    write(
        cfg,
        '[organize]\ntemplates = [{match = "kind:audio", path = "$albumartist/$album/$title"}]\n'
        'replace = {"[<>]" = "_"}\n',
    )
    assert app_settings.load(config_path=cfg, env={}).organize.templates
