"""A storage node's home and its ``storage.toml`` (docs/operations.md, "Storage nodes").

Layout of a storage home (``net init --storage-nodes K`` writes ``D/storage1`` ...)::

    storage.toml         this file: name, listen address, backend, chain nodes, limits
    genesis.json         the chain's genesis: the only trust for the records it reads
    blobs/               the disk backend's blobs (``backend.dir``)
    holders/             for each blob, the holders it was uploaded for
    messages.db          the inbox store (SQLite) and the notifier's progress
    platform.pem         the platform account's key, when [notifier] key names it
    tls/transport.pem    the node's registered identity (its key hash is in the registry)
    node.log             structured logs; node.pid, node.lock: the running process

The file::

    [storage]
    name = "storage1"
    listen = "127.0.0.1:26608"
    max_blob = 67108864            # bytes, at most MAX_BLOB (64 MiB)

    [backend]
    kind = "disk"                  # or "s3"
    dir = "blobs"                  # disk: relative to the home unless absolute
    # s3: endpoint, bucket, region, and the keys: access_key_env and secret_key_env
    # (names of environment variables) or keys_file (two lines: access key, secret key)

    [chain]
    nodes = ["http://127.0.0.1:26601", ...]   # chain node APIs, tried in turn
    genesis = "genesis.json"
    ca_bundle = ""                 # the members' API CAs, for https:// chain nodes
    cache_s = 10                   # how long a proven record is reused
    timeout_s = 5

    [messages]
    per_minute = 30                # messages stored per sender per minute (0 to 10,000)

    [notifier]
    key = "platform.pem"           # the platform account's key: run the reminder notifier
    poll_s = 1                     # how often it reads the chain while /v1/events is down (1 to 60)

    [log]
    format = "json"                # or "text"
    level = "info"

Every problem of the file is named at once, one line each (:class:`StorageConfigError`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from govchain.client.endpoints import node_urls
from govchain.storage.blobs import MAX_BLOB
from govchain.types.errors import ValidationError

__all__ = [
    "BACKENDS",
    "STORAGE_CONFIG_FILE",
    "S3Settings",
    "StorageConfig",
    "StorageConfigError",
    "read_storage_config",
    "split_listen",
    "write_storage_config",
]

STORAGE_CONFIG_FILE = "storage.toml"
BACKENDS = ("disk", "s3")
LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
CACHE_S_MAX = 300
TIMEOUT_S_MAX = 120
MIN_BLOB_LIMIT = 1024
PER_MINUTE_MAX = 10_000
POLL_S_MAX = 60


class StorageConfigError(ValidationError):
    """``storage.toml`` has problems; ``problems`` names each, one line apiece."""

    code = "invalid_config"

    def __init__(self, problems: list[str]) -> None:
        assert problems, "a StorageConfigError names at least one problem"
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class S3Settings:
    """Where an ``s3`` backend keeps its blobs, and where its keys come from."""

    endpoint: str = ""
    bucket: str = ""
    region: str = "us-east-1"
    access_key_env: str = "GOVCHAIN_S3_ACCESS_KEY"
    secret_key_env: str = "GOVCHAIN_S3_SECRET_KEY"
    keys_file: str = ""
    """Two lines, access key then secret key; relative to the home unless absolute. When set,
    it is used instead of the environment."""

    def problems(self) -> list[str]:
        """Each setting an ``s3`` backend cannot work with, one line each."""
        found = []
        if not (
            isinstance(self.endpoint, str) and self.endpoint.startswith(("http://", "https://"))
        ):
            found.append(f"backend.endpoint: expected an http(s) URL, got {self.endpoint!r}")
        if not (isinstance(self.bucket, str) and 3 <= len(self.bucket) <= 63):
            found.append(
                f"backend.bucket: expected a bucket name (3 to 63 characters), got {self.bucket!r}"
            )
        for name in ("region", "access_key_env", "secret_key_env"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                found.append(f"backend.{name}: expected a name, got {value!r}")
        if not isinstance(self.keys_file, str):
            found.append(f'backend.keys_file: expected a file path or "", got {self.keys_file!r}')
        return found


@dataclass(frozen=True)
class StorageConfig:
    """Everything ``storage.toml`` holds."""

    name: str
    listen: str
    chain_nodes: tuple[str, ...]
    genesis: str = "genesis.json"
    ca_bundle: str = ""
    backend: str = "disk"
    disk_dir: str = "blobs"
    s3: S3Settings = field(default_factory=S3Settings)
    max_blob: int = MAX_BLOB
    cache_s: int = 10
    timeout_s: int = 5
    log_format: str = "json"
    log_level: str = "info"
    per_minute: int = 30
    notifier_key: str = ""
    """The platform account's key file (relative to the home unless absolute); "": no notifier."""
    poll_s: int = 1
    """Seconds between the notifier's reads while the chain node's event stream is down."""

    def problems(self) -> list[str]:
        """Every bad setting, one line each, in the order of the file."""
        found = []
        if not isinstance(self.name, str) or not self.name:
            found.append(f"storage.name: expected the node's name, got {self.name!r}")
        found += _listen_problems("storage.listen", self.listen)
        found += _whole("storage.max_blob", self.max_blob, MIN_BLOB_LIMIT, MAX_BLOB)
        found += _choice("backend.kind", self.backend, BACKENDS)
        if self.backend == "disk" and (not isinstance(self.disk_dir, str) or not self.disk_dir):
            found.append(f"backend.dir: expected a directory, got {self.disk_dir!r}")
        if self.backend == "s3":
            found += self.s3.problems()
        try:
            node_urls(list(self.chain_nodes))
        except (ValidationError, TypeError, AttributeError) as exc:
            found.append(f"chain.nodes: {exc}")
        for what, path in (("chain.genesis", self.genesis), ("chain.ca_bundle", self.ca_bundle)):
            if not isinstance(path, str) or (what == "chain.genesis" and not path):
                found.append(f"{what}: expected a file path, got {path!r}")
        found += _whole("chain.cache_s", self.cache_s, 0, CACHE_S_MAX)
        found += _whole("chain.timeout_s", self.timeout_s, 1, TIMEOUT_S_MAX)
        found += _whole("messages.per_minute", self.per_minute, 0, PER_MINUTE_MAX)
        if not isinstance(self.notifier_key, str):
            found.append(f'notifier.key: expected a file path or "", got {self.notifier_key!r}')
        found += _whole("notifier.poll_s", self.poll_s, 1, POLL_S_MAX)
        found += _choice("log.format", self.log_format, LOG_FORMATS)
        found += _choice("log.level", self.log_level, LOG_LEVELS)
        return found

    def validate(self) -> None:
        """Raise StorageConfigError naming every bad setting."""
        found = self.problems()
        if found:
            raise StorageConfigError(found)

    @property
    def url(self) -> str:
        """The URL clients reach this storage node at."""
        return f"http://{self.listen}"

    def resolve(self, home: Path, path: str) -> Path:
        """A path of this file: relative to ``home`` unless absolute."""
        given = Path(path)
        return given if given.is_absolute() else home / given


def write_storage_config(home: Path, config: StorageConfig) -> Path:
    """Write ``home/storage.toml`` (checked first)."""
    config.validate()
    backend: dict[str, Any] = {"kind": config.backend}
    if config.backend == "disk":
        backend["dir"] = config.disk_dir
    else:
        backend.update({f.name: getattr(config.s3, f.name) for f in fields(S3Settings)})
    document = {
        "storage": {"name": config.name, "listen": config.listen, "max_blob": config.max_blob},
        "backend": backend,
        "chain": {
            "nodes": list(config.chain_nodes),
            "genesis": config.genesis,
            "ca_bundle": config.ca_bundle,
            "cache_s": config.cache_s,
            "timeout_s": config.timeout_s,
        },
        "messages": {"per_minute": config.per_minute},
        "notifier": {"key": config.notifier_key, "poll_s": config.poll_s},
        "log": {"format": config.log_format, "level": config.log_level},
    }
    path = home / STORAGE_CONFIG_FILE
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path


_SECTIONS: dict[str, set[str]] = {
    "storage": {"name", "listen", "max_blob"},
    "backend": {"kind", "dir", *(f.name for f in fields(S3Settings))},
    "chain": {"nodes", "genesis", "ca_bundle", "cache_s", "timeout_s"},
    "messages": {"per_minute"},
    "notifier": {"key", "poll_s"},
    "log": {"format", "level"},
}
_REQUIRED = (("storage", "name"), ("storage", "listen"), ("chain", "nodes"))


def read_storage_config(home: Path) -> StorageConfig:
    """Read and check ``home/storage.toml``; StorageConfigError names every problem."""
    path = home / STORAGE_CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StorageConfigError([f"{path}: no such file (is {home} a storage home?)"]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StorageConfigError([f"{path}: not TOML: {exc}"]) from exc
    found = _unknown(document, set(_SECTIONS), "")
    tables = {name: _table(document, name, found) for name in _SECTIONS}
    for name, allowed in _SECTIONS.items():
        found += _unknown(tables[name], allowed, f"{name}.")
    found += [f"{s}.{k}: missing (required)" for s, k in _REQUIRED if k not in tables[s]]
    storage, backend, chain, log = (tables[n] for n in ("storage", "backend", "chain", "log"))
    messages, notifier = tables["messages"], tables["notifier"]
    nodes = chain.get("nodes", ["http://127.0.0.1:1"])
    s3_names = {f.name for f in fields(S3Settings)}
    config = StorageConfig(
        name=storage.get("name", "?"),
        listen=storage.get("listen", "127.0.0.1:0"),
        chain_nodes=tuple(nodes) if isinstance(nodes, list) else nodes,
        genesis=chain.get("genesis", "genesis.json"),
        ca_bundle=chain.get("ca_bundle", ""),
        backend=backend.get("kind", "disk"),
        disk_dir=backend.get("dir", "blobs"),
        s3=S3Settings(**{k: v for k, v in backend.items() if k in s3_names}),
        max_blob=storage.get("max_blob", MAX_BLOB),
        cache_s=chain.get("cache_s", 10),
        timeout_s=chain.get("timeout_s", 5),
        log_format=log.get("format", "json"),
        log_level=log.get("level", "info"),
        per_minute=messages.get("per_minute", 30),
        notifier_key=notifier.get("key", ""),
        poll_s=notifier.get("poll_s", 1),
    )
    found += config.problems()  # a missing setting stands in as a valid one: named once
    if found:
        raise StorageConfigError([f"{path}: {problem}" for problem in found])
    return config


def split_listen(address: str) -> tuple[str, int]:
    """``"host:port"`` or ``"[v6]:port"`` -> (host, port); ValidationError if malformed."""
    problems = _listen_problems("storage.listen", address)
    if problems:
        raise ValidationError(problems[0])
    host, _, port = address.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), int(port)


def _listen_problems(what: str, address: object) -> list[str]:
    expected = f"{what}: expected host:port (an IPv6 host in brackets, [::1]:80), got {address!r}"
    if not isinstance(address, str):
        return [expected]
    host, _, port = address.rpartition(":")
    if host.startswith("["):
        good_host = host.endswith("]") and ":" in host[1:-1]
    else:
        good_host = bool(host) and ":" not in host
    if not good_host or not (port.isascii() and port.isdigit()) or int(port) > 65535:
        return [expected]
    return []


def _table(document: dict[str, Any], name: str, found: list[str]) -> dict[str, Any]:
    value = document.get(name, {})
    if isinstance(value, dict):
        return value
    found.append(f"[{name}]: expected a table, got {value!r}")
    return {}


def _unknown(table: dict[str, Any], allowed: set[str], prefix: str) -> list[str]:
    known = ", ".join(sorted(allowed))
    return [
        f"{prefix}{key}: unknown setting (known here: {known})"
        for key in sorted(set(table) - allowed)
    ]


def _whole(what: str, value: object, low: int, high: int) -> list[str]:
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return []
    return [f"{what}: expected a whole number from {low} to {high}, got {value!r}"]


def _choice(what: str, value: object, choices: tuple[str, ...]) -> list[str]:
    if value in choices:
        return []
    return [f"{what}: expected one of {', '.join(choices)}; got {value!r}"]
