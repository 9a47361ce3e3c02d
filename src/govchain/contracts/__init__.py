"""System contracts: the services built into the chain, one package per service.

Every service has one shape (ARCHITECTURE.md, "One shape for every service";
its spec in ``docs/spec/<service>.md``)::

    contracts/<service>/
      __init__.py   register(registry, context) and the public names
      txs.py        argument records with validate(), tx builders (SDK and CLI use them)
      handlers.py   deterministic handlers, one per tx type
      state.py      state keys and record codecs
      reads.py      pure reads over a ProvingReader: values with their proofs

Handlers are deterministic and refuse bad txs with ``ContractError`` only, so
a refused tx is committed with a failure receipt. The node registers every
service from one list (``govchain.node.services.SERVICES``).

Services: ``notary`` (F-C5) and ``evidence`` (F-E6).
"""

from govchain.contracts.context import Register, ServiceContext, ValidatorsAt
from govchain.contracts.proving_reader import ChainReader, ProvingReader

__all__ = ["ChainReader", "ProvingReader", "Register", "ServiceContext", "ValidatorsAt"]
