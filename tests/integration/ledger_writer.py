"""A process that commits blocks to a node home until it is killed (crash-safety harness).

Run as ``python -m tests.integration.ledger_writer HOME``. Validator keys live
in ``HOME/keys`` so a restarted writer signs for the same chain. After each
commit it prints the height, so the parent knows what was acknowledged.
"""

from __future__ import annotations

import sys
from pathlib import Path

from govchain.crypto.keyfiles import load_signing_key_pem
from govchain.ledger.home import create_chain, open_chain
from govchain.types import Genesis

from ..chain_support import ChainMaker


def _maker(home: Path) -> ChainMaker:
    keys_dir = home / "keys"
    if not keys_dir.exists():
        maker = ChainMaker.make("intl")
        keys_dir.mkdir(parents=True)
        for index, key in enumerate(maker.keys):
            (keys_dir / f"v{index}.pem").write_bytes(key.to_pem())
        create_chain(home, maker.genesis, {}).store.close()
        return maker
    chain = open_chain(home)
    genesis: Genesis = chain.genesis
    chain.store.close()
    keys = [load_signing_key_pem((keys_dir / f"v{i}.pem").read_bytes()) for i in range(4)]
    maker = ChainMaker.make("intl")
    return ChainMaker(maker.suite, keys, genesis)


def main() -> None:
    home = Path(sys.argv[1])
    maker = _maker(home)
    chain = open_chain(home, state_window=5)
    while True:
        maker.grow(chain, 1, txs_per_block=20)
        print(chain.height, flush=True)


if __name__ == "__main__":
    main()
