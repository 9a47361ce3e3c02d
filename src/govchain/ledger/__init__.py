"""The ledger: Merkle proofs, the history log, the state tree and the chain store (F-A4)."""
