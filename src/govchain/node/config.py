"""A node's home directory and its ``config.toml`` (docs/operations.md).

Layout of a home::

    config.toml          this file: name, role, listen addresses, peers, limits
    genesis.json         the chain's genesis, the same on every node
    validator.pem        the consensus signing key (validators only; mode 0600)
    tls/transport.pem    the transport certificate and key (mode 0600)
    tls/transport.key
    tls/api.pem          the API's HTTPS certificate and key, when ``api.tls`` (mode 0600)
    tls/api.key
    data/                the LMDB chain store
    consensus.wal        the consensus write-ahead log
    node.log             structured logs
    node.pid             the running process, written by ``govchain node start``
    node.lock            locked by the running node: one node per home

Every setting has a safe default. The file is checked as a whole before the
node starts (issue 13 item 6): every problem (an unknown key, a wrong type,
a value out of range) is named at once, one line each, in a
:class:`ConfigError`, so an operator fixes them in one go.

Addresses are ``host:port``; an IPv6 host is written in brackets,
``[::1]:8600``, and :func:`split_address` returns it without them.

With ``api.tls = true`` the API is served over HTTPS with ``api.tls_cert``
and ``api.tls_key`` (paths relative to the home unless absolute); the files
are checked with the rest (``govchain.node.api_tls``): a missing, unreadable,
expired or mismatched one is named in one line each.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from govchain.api.settings import STORAGE_NODES_MAX, RateLimits
from govchain.client.endpoints import node_urls
from govchain.ledger.records import TX_LIMITS
from govchain.node.api_tls import tls_file_problems
from govchain.types.errors import ValidationError
from govchain.types.network_registry import NODE_NAME_PATTERN

CONFIG_FILE = "config.toml"
ROLES = ("validator", "full", "storage")
"""A storage node runs as a full node until the storage service arrives (issue 14)."""
LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
MAX_BODY_BYTES_MIN = 1024
MAX_BODY_BYTES_MAX = 64 * 1024 * 1024
"""``api.max_body_bytes`` bounds: a batch of 1,000 txs of the largest size fits the top one."""
MS_MAX = 3_600_000
"""No consensus timing may exceed an hour."""
MEMPOOL_TXS_MAX = 10_000_000
MEMPOOL_BYTES_MAX = 16 * 1024**3
MAX_INBOUND_MAX = 100_000
MAX_EVENT_STREAMS_MAX = 65_536
API_TLS_CERT = "tls/api.pem"
API_TLS_KEY = "tls/api.key"
"""Where ``net init --api-tls`` writes the API's certificate and key, relative to the home."""


class ConfigError(ValidationError):
    """``config.toml`` has problems; ``problems`` names each, one line apiece."""

    code = "invalid_config"

    def __init__(self, problems: list[str]) -> None:
        assert problems, "a ConfigError names at least one problem"
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class ConsensusSettings:
    """Timeouts (ms) and the empty-block policy (spec: consensus.md)."""

    timeout_propose_ms: int = 3000
    timeout_propose_delta_ms: int = 500
    timeout_prevote_ms: int = 1000
    timeout_prevote_delta_ms: int = 500
    timeout_precommit_ms: int = 1000
    timeout_precommit_delta_ms: int = 500
    resend_ms: int = 2000
    empty_block_after_ms: int = 1000
    """A proposer with no txs proposes an empty block after this; 0 waits for txs forever."""
    block_interval_ms: int = 100
    """A proposer builds no sooner than this after its last commit, so txs share blocks
    (multi-validator networks; 0 builds at once)."""

    def problems(self) -> list[str]:
        """Each setting out of its range, one line each."""
        found = []
        for item in fields(self):
            at_least = 1 if item.name in _POSITIVE_MS else 0
            found += _whole(f"consensus.{item.name}", getattr(self, item.name), at_least, MS_MAX)
        return found


_POSITIVE_MS = {"timeout_propose_ms", "timeout_prevote_ms", "timeout_precommit_ms", "resend_ms"}


@dataclass(frozen=True)
class MempoolSettings:
    """Bounds of the tx pool."""

    max_txs: int = 10_000
    max_bytes: int = 64 * 1024 * 1024
    max_tx_bytes: int = 64 * 1024

    def problems(self) -> list[str]:
        """Each bound out of its range, one line each."""
        found = _whole("mempool.max_txs", self.max_txs, 1, MEMPOOL_TXS_MAX)
        found += _whole("mempool.max_bytes", self.max_bytes, 1, MEMPOOL_BYTES_MAX)
        if _is_whole(self.max_tx_bytes) and self.max_tx_bytes > TX_LIMITS.max_bytes:
            found.append(
                f"mempool.max_tx_bytes: {self.max_tx_bytes} is over the largest tx a node "
                f"decodes, {TX_LIMITS.max_bytes} bytes"
            )
        else:
            found += _whole("mempool.max_tx_bytes", self.max_tx_bytes, 1, TX_LIMITS.max_bytes)
        if not found and self.max_tx_bytes > self.max_bytes:
            found.append(
                f"mempool.max_tx_bytes: {self.max_tx_bytes} is over mempool.max_bytes "
                f"{self.max_bytes}: no tx of that size could be admitted"
            )
        return found


@dataclass(frozen=True)
class NodeConfig:
    """Everything ``config.toml`` holds."""

    name: str
    role: str
    p2p_listen: str
    api_listen: str
    peers: dict[str, str] = field(default_factory=dict)
    """Peer node name -> "host:port" of its p2p listener."""
    api_max_body_bytes: int = 1024 * 1024
    api_max_event_streams: int = 256
    """Event-stream subscribers at once; one more is answered 503 ``too_many_streams``."""
    api_tls: bool = False
    """Serve the API over HTTPS (TLS 1.2+, 1.3 preferred) with the two files below."""
    api_tls_cert: str = API_TLS_CERT
    api_tls_key: str = API_TLS_KEY
    rate_limit: RateLimits = field(default_factory=RateLimits)
    """``[api.rate_limit]``: per-client token buckets."""
    p2p_max_inbound: int = 0
    """Inbound peer connections open at once; 0: twice the registry's nodes (at least 8)."""
    log_format: str = "json"
    log_level: str = "info"
    storage_nodes: dict[str, str] = field(default_factory=dict)
    """``[storage]``: storage node name -> its URL, served to clients at ``/v1/storage-nodes``."""
    consensus: ConsensusSettings = field(default_factory=ConsensusSettings)
    mempool: MempoolSettings = field(default_factory=MempoolSettings)

    def problems(self) -> list[str]:
        """Every bad setting, one line each, in the order of the file."""
        found = []
        if not isinstance(self.name, str) or not self.name:
            found.append(f"node.name: expected the node's name, got {self.name!r}")
        found += _choice("node.role", self.role, ROLES)
        found += _address("p2p.listen", self.p2p_listen)
        found += _whole("p2p.max_inbound", self.p2p_max_inbound, 0, MAX_INBOUND_MAX)
        if not isinstance(self.peers, dict):
            found.append('p2p.peers: expected a table of name = "host:port"')
        else:
            for peer, address in self.peers.items():
                found += _address(f"p2p.peers.{peer}", address)
        found += _address("api.listen", self.api_listen)
        found += _whole(
            "api.max_body_bytes", self.api_max_body_bytes, MAX_BODY_BYTES_MIN, MAX_BODY_BYTES_MAX
        )
        found += _whole(
            "api.max_event_streams", self.api_max_event_streams, 1, MAX_EVENT_STREAMS_MAX
        )
        if not isinstance(self.api_tls, bool):
            found.append(f"api.tls: expected true or false, got {self.api_tls!r}")
        for what, path in (("api.tls_cert", self.api_tls_cert), ("api.tls_key", self.api_tls_key)):
            if not isinstance(path, str) or not path:
                found.append(f"{what}: expected a file path, got {path!r}")
        found += self.rate_limit.problems()
        found += _choice("log.format", self.log_format, LOG_FORMATS)
        found += _choice("log.level", self.log_level, LOG_LEVELS)
        found += _storage_problems(self.storage_nodes)
        found += self.consensus.problems()
        found += self.mempool.problems()
        return found

    @property
    def api_url(self) -> str:
        """The URL of the API as this node serves it: ``https://`` with ``api.tls``."""
        return f"{'https' if self.api_tls else 'http'}://{self.api_listen}"

    def validate(self) -> None:
        """Raise ConfigError naming every bad setting."""
        found = self.problems()
        if found:
            raise ConfigError(found)


def split_address(address: str, what: str) -> tuple[str, int]:
    """``"host:port"`` or ``"[v6]:port"`` -> (host, port), the host without brackets.

    ValidationError (naming ``what``) if malformed; an IPv6 host must be in brackets.
    """
    problems = _address(what, address)
    if problems:
        raise ValidationError(problems[0])
    host, _, port = address.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), int(port)


def join_address(host: str, port: int) -> str:
    """``(host, port)`` -> ``"host:port"``, an IPv6 host in brackets: ``"[::1]:8600"``."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return f"[{bare}]:{port}" if ":" in bare else f"{bare}:{port}"


def write_config(home: Path, config: NodeConfig) -> Path:
    """Write ``home/config.toml``."""
    config.validate()
    document: dict[str, Any] = {
        "node": {"name": config.name, "role": config.role},
        "p2p": {
            "listen": config.p2p_listen,
            "max_inbound": config.p2p_max_inbound,
            "peers": dict(sorted(config.peers.items())),
        },
        "api": {
            "listen": config.api_listen,
            "max_body_bytes": config.api_max_body_bytes,
            "max_event_streams": config.api_max_event_streams,
            "tls": config.api_tls,
            "tls_cert": config.api_tls_cert,
            "tls_key": config.api_tls_key,
            "rate_limit": asdict(config.rate_limit),
        },
        "log": {"format": config.log_format, "level": config.log_level},
        "consensus": asdict(config.consensus),
        "mempool": asdict(config.mempool),
    }
    if config.storage_nodes:
        document[STORAGE_TABLE] = dict(sorted(config.storage_nodes.items()))
    path = home / CONFIG_FILE
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path


_SECTIONS: dict[str, set[str]] = {
    "node": {"name", "role"},
    "p2p": {"listen", "peers", "max_inbound"},
    "api": {
        "listen",
        "max_body_bytes",
        "max_event_streams",
        "tls",
        "tls_cert",
        "tls_key",
        "rate_limit",
    },
    "log": {"format", "level"},
    "consensus": {f.name for f in fields(ConsensusSettings)},
    "mempool": {f.name for f in fields(MempoolSettings)},
}
STORAGE_TABLE = "storage"
"""``[storage]``: its keys are the storage nodes' names, each set to the node's URL."""
_REQUIRED = (("node", "name"), ("node", "role"), ("p2p", "listen"), ("api", "listen"))


def read_config(home: Path) -> NodeConfig:
    """Read and check ``home/config.toml``; ConfigError names every problem, one line each."""
    path = home / CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not TOML: {exc}"]) from exc
    found = _unknown(document, {*_SECTIONS, STORAGE_TABLE}, "")
    tables = {name: _table(document, name, found) for name in _SECTIONS}
    storage_nodes = _table(document, STORAGE_TABLE, found)
    for name, allowed in _SECTIONS.items():
        found += _unknown(tables[name], allowed, f"{name}.")
    rate_limit = _table(tables["api"], "rate_limit", found, "api.")
    found += _unknown(rate_limit, {f.name for f in fields(RateLimits)}, "api.rate_limit.")
    found += [f"{s}.{k}: missing (required)" for s, k in _REQUIRED if k not in tables[s]]
    node, p2p, api, log = (tables[name] for name in ("node", "p2p", "api", "log"))
    config = NodeConfig(
        name=node.get("name", "?"),
        role=node.get("role", ROLES[0]),
        p2p_listen=p2p.get("listen", "127.0.0.1:0"),
        api_listen=api.get("listen", "127.0.0.1:0"),
        peers=p2p.get("peers", {}),
        api_max_body_bytes=api.get("max_body_bytes", 1024 * 1024),
        api_max_event_streams=api.get("max_event_streams", 256),
        api_tls=api.get("tls", False),
        api_tls_cert=api.get("tls_cert", API_TLS_CERT),
        api_tls_key=api.get("tls_key", API_TLS_KEY),
        rate_limit=_build(RateLimits, rate_limit),
        p2p_max_inbound=p2p.get("max_inbound", 0),
        log_format=log.get("format", "json"),
        log_level=log.get("level", "info"),
        storage_nodes=storage_nodes,
        consensus=_build(ConsensusSettings, tables["consensus"]),
        mempool=_build(MempoolSettings, tables["mempool"]),
    )
    found += config.problems()  # a missing setting stands in as a valid one: named once
    if config.api_tls is True and all(  # the files, once the settings naming them are sound
        isinstance(path, str) and path for path in (config.api_tls_cert, config.api_tls_key)
    ):
        found += tls_file_problems(home, config.api_tls_cert, config.api_tls_key)
    if found:
        raise ConfigError([f"{path}: {problem}" for problem in found])
    return config


def _table(
    document: dict[str, Any], name: str, found: list[str], prefix: str = ""
) -> dict[str, Any]:
    value = document.get(name, {})
    if isinstance(value, dict):
        return value
    found.append(f"[{prefix}{name}]: expected a table, got {value!r}")
    return {}


def _unknown(table: dict[str, Any], allowed: set[str], prefix: str) -> list[str]:
    known = sorted(allowed)
    return [
        f"{prefix}{key}: unknown setting (known here: {', '.join(known)})"
        for key in sorted(set(table) - allowed)
    ]


def _build(kind: Any, table: dict[str, Any]) -> Any:
    """A settings dataclass from a table whose unknown keys were reported already."""
    return kind(**{k: v for k, v in table.items() if k in {f.name for f in fields(kind)}})


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(what: str, value: object, low: int, high: int) -> list[str]:
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return []
    return [f"{what}: expected a whole number from {low} to {high}, got {value!r}"]


def _choice(what: str, value: object, choices: tuple[str, ...]) -> list[str]:
    if value in choices:
        return []
    return [f"{what}: expected one of {', '.join(choices)}; got {value!r}"]


def _storage_problems(storage_nodes: object) -> list[str]:
    """``[storage]``: each key a node name, each value the storage node's http(s) URL."""
    if not isinstance(storage_nodes, dict):
        return ['[storage]: expected a table of name = "http://host:port"']
    if len(storage_nodes) > STORAGE_NODES_MAX:
        return [f"[storage]: at most {STORAGE_NODES_MAX} storage nodes"]
    found = []
    for name, url in storage_nodes.items():
        if not NODE_NAME_PATTERN.match(name):
            found.append(f"storage.{name}: a storage node name is a-z, 0-9 and '-'")
        try:
            if not isinstance(url, str) or node_urls(url) != (url,):
                raise ValidationError("expected one URL, without a trailing /")
        except ValidationError as exc:
            found.append(f"storage.{name}: {exc}")
    return found


def _address(what: str, address: object) -> list[str]:
    expected = f"{what}: expected host:port (an IPv6 host in brackets, [::1]:80), got {address!r}"
    if not isinstance(address, str):
        return [expected]
    host, _, port = address.rpartition(":")
    if host.startswith("[") or host.endswith("]"):  # an IPv6 literal, in its brackets
        inside = host[1:-1]
        good_host = host.startswith("[") and host.endswith("]") and ":" in inside
        good_host = good_host and "[" not in inside and "]" not in inside
    else:
        good_host = bool(host) and ":" not in host  # IPv6 without brackets is ambiguous
    if not good_host or not (port.isascii() and port.isdigit()) or int(port) > 65535:
        return [expected]
    return []
