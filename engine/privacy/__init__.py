"""Consent and privacy (docs/PRIVACY.md), one module per concern.

* :mod:`.tombstones`: the salt, salted hashes, and the tombstones of erased people, accounts
  and posts (loaders screen records against them so nothing erased is ingested again);
* :mod:`.audit`: the append-only audit log (people appear only as salted hashes);
* :mod:`.consent`: consent statements and objection to profiling;
* :mod:`.erasure`: erasure with verification that no property still names the person;
* :mod:`.export`: everything held about a person (the right of access);
* :mod:`.tokens`: per-person verification tokens.

Who may call these is decided by the adapters (``influence.api.auth`` for GraphQL).
"""
