"""Tendermint BFT consensus: messages, vote sets, the pure core, the WAL and the driver.

The protocol as we run it is specified in docs/spec/consensus.md.
"""
