"""The storage node: a node role that keeps encrypted asset content by hash (F-A1, F-C1).

An HTTP blob API (``app``) over a blob store (``govchain.storage.blobs``:
disk or S3), whose every request is signed by an account and decided by
records read from chain nodes and proven against the genesis
(``chain_source``, ``access``). ``config`` is the home's ``storage.toml``;
``server`` runs one storage node process (``govchain storage serve``).
Spec: docs/spec/assets.md, "Blobs and storage nodes".
"""
