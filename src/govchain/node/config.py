"""A node's home directory and its ``config.toml`` (docs/operations.md).

Layout of a home::

    config.toml          this file: name, role, listen addresses, peers, limits
    genesis.json         the chain's genesis, the same on every node
    validator.pem        the consensus signing key (validators only; mode 0600)
    tls/node.pem         the transport certificate and key (mode 0600)
    tls/node.key
    data/                the LMDB chain store
    consensus.wal        the consensus write-ahead log
    node.log             structured logs
    node.pid             the running process, written by ``govchain node start``

Every setting has a safe default; unknown keys are refused so a typo is not
silently ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from govchain.api.ratelimit import RateLimits
from govchain.types.errors import ValidationError

CONFIG_FILE = "config.toml"
ROLES = ("validator", "full")
LOG_FORMATS = ("json", "text")


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


@dataclass(frozen=True)
class MempoolSettings:
    """Bounds of the tx pool."""

    max_txs: int = 10_000
    max_bytes: int = 64 * 1024 * 1024
    max_tx_bytes: int = 64 * 1024


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
    rate_limit: RateLimits = field(default_factory=RateLimits)
    """``[api.rate_limit]``: per-client token buckets."""
    p2p_max_inbound: int = 0
    """Inbound peer connections open at once; 0: twice the nodes in the genesis registry."""
    log_format: str = "json"
    log_level: str = "info"
    consensus: ConsensusSettings = field(default_factory=ConsensusSettings)
    mempool: MempoolSettings = field(default_factory=MempoolSettings)

    def validate(self) -> None:
        """Raise ValidationError naming the first bad setting."""
        if self.role not in ROLES:
            raise ValidationError(f"node.role: expected one of {ROLES}, got {self.role!r}")
        for what, address in [("p2p.listen", self.p2p_listen), ("api.listen", self.api_listen)]:
            split_address(address, what)
        for peer, address in self.peers.items():
            split_address(address, f"p2p.peers.{peer}")
        if self.log_format not in LOG_FORMATS:
            raise ValidationError(f"log.format: expected one of {LOG_FORMATS}")
        for section in (self.consensus, self.mempool):
            for item in fields(section):
                value = getattr(section, item.name)
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValidationError(f"{item.name}: expected a whole number >= 0")
        if self.api_max_body_bytes < 1024:
            raise ValidationError("api.max_body_bytes: at least 1024")
        for problem in self.rate_limit.problems():
            raise ValidationError(problem)
        if type(self.p2p_max_inbound) is not int or self.p2p_max_inbound < 0:
            raise ValidationError("p2p.max_inbound: expected a whole number >= 0")


def split_address(address: str, what: str) -> tuple[str, int]:
    """``"host:port"`` -> (host, port); ValidationError if malformed."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValidationError(f"{what}: expected host:port, got {address!r}")
    return host, int(port)


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
            "rate_limit": asdict(config.rate_limit),
        },
        "log": {"format": config.log_format, "level": config.log_level},
        "consensus": asdict(config.consensus),
        "mempool": asdict(config.mempool),
    }
    path = home / CONFIG_FILE
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path


def read_config(home: Path) -> NodeConfig:
    """Read and check ``home/config.toml``; ValidationError names what is wrong."""
    path = home / CONFIG_FILE
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: not TOML: {exc}") from exc
    _only(document, {"node", "p2p", "api", "log", "consensus", "mempool"}, str(path))
    node = _section(document, "node", {"name", "role"})
    p2p = _section(document, "p2p", {"listen", "peers", "max_inbound"})
    api = _section(document, "api", {"listen", "max_body_bytes", "rate_limit"})
    rate_limit = _section(api, "rate_limit", {f.name for f in fields(RateLimits)})
    log = _section(document, "log", {"format", "level"})
    consensus = _section(document, "consensus", {f.name for f in fields(ConsensusSettings)})
    mempool = _section(document, "mempool", {f.name for f in fields(MempoolSettings)})
    peers = p2p.get("peers", {})
    if not isinstance(peers, dict) or not all(isinstance(v, str) for v in peers.values()):
        raise ValidationError('p2p.peers: expected a table of name = "host:port"')
    try:
        config = NodeConfig(
            name=node["name"],
            role=node["role"],
            p2p_listen=p2p["listen"],
            api_listen=api["listen"],
            peers=dict(peers),
            api_max_body_bytes=api.get("max_body_bytes", 1024 * 1024),
            rate_limit=RateLimits(**rate_limit),
            p2p_max_inbound=p2p.get("max_inbound", 0),
            log_format=log.get("format", "json"),
            log_level=log.get("level", "info"),
            consensus=ConsensusSettings(**consensus),
            mempool=MempoolSettings(**mempool),
        )
    except KeyError as exc:
        raise ValidationError(f"{path}: missing setting {exc}") from exc
    config.validate()
    return config


def _section(document: dict[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    section = document.get(name, {})
    if not isinstance(section, dict):
        raise ValidationError(f"[{name}]: expected a table")
    _only(section, allowed, f"[{name}]")
    return section


def _only(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ValidationError(f"{where}: unknown setting(s) {unknown}")
