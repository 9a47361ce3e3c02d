"""Service ``grants`` (授权, 委托, 使用记录; F-C2, F-C3, F-C4, F-C7).

docs/spec/grants.md. A holder (or its agent) grants an account view or use
of an asset, or issues an authorization code; every view or use is a usage
record on chain, against which storage nodes serve the ciphertext; requests
for grants are answered or reminded until they lapse. The modules follow
the one shape:

- ``txs``: argument records, strict parsing, ``grants_tx``;
- ``handlers``, ``request_handlers``: the deterministic handlers
  (``acting``: who acts for a holder);
- ``records``, ``state``: stored records and state keys;
- ``reads``: proven reads for the API.
"""

from __future__ import annotations

from govchain.contracts.context import ServiceContext
from govchain.contracts.grants.handlers import (
    CODE_PROOF_DOMAIN,
    code_handler,
    code_proof_message,
    delegate_handler,
    grant_handler,
    revoke_handler,
    undelegate_handler,
    use_handler,
)
from govchain.contracts.grants.records import CodeRecord, Delegation, Grant, GrantRequest, Usage
from govchain.contracts.grants.request_handlers import (
    answer_handler,
    remind_handler,
    request_handler,
)
from govchain.contracts.grants.state import GRANTS_KEY_PREFIX, usage_key
from govchain.contracts.grants.txs import (
    AnswerArgs,
    CodeArgs,
    DelegateArgs,
    GrantArgs,
    RemindArgs,
    RequestArgs,
    RevokeArgs,
    UndelegateArgs,
    UseArgs,
    grants_tx,
)
from govchain.execution.registry import Registry

__all__ = [
    "CODE_PROOF_DOMAIN",
    "GRANTS_KEY_PREFIX",
    "GRANT_TX_TYPES",
    "AnswerArgs",
    "CodeArgs",
    "CodeRecord",
    "DelegateArgs",
    "Delegation",
    "Grant",
    "GrantArgs",
    "GrantRequest",
    "RemindArgs",
    "RequestArgs",
    "RevokeArgs",
    "UndelegateArgs",
    "Usage",
    "UseArgs",
    "code_proof_message",
    "grants_tx",
    "register",
    "usage_key",
]

GRANT_TX_TYPES = (
    "grants.answer",
    "grants.code",
    "grants.delegate",
    "grants.grant",
    "grants.remind",
    "grants.request",
    "grants.revoke",
    "grants.undelegate",
    "grants.use",
)
"""Every tx type of the service; each is sent by any active account, the handler checks whom
it may act for (the default policies, ``govchain.contracts.gov.policy``)."""


def register(registry: Registry, context: ServiceContext) -> None:
    """The service's entry in the node's ``SERVICES``: add its handlers to ``registry``."""
    suite = context.suite
    registry.register("grants.grant", grant_handler(suite))
    registry.register("grants.revoke", revoke_handler(suite))
    registry.register("grants.code", code_handler(suite))
    registry.register("grants.use", use_handler(suite))
    registry.register("grants.delegate", delegate_handler(suite))
    registry.register("grants.undelegate", undelegate_handler(suite))
    registry.register("grants.request", request_handler(suite))
    registry.register("grants.answer", answer_handler(suite))
    registry.register("grants.remind", remind_handler(suite))
