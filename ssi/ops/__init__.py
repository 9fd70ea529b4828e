"""Operations: what each role does, on the local chain and on any network Ape reaches.

The Ape scripts in ``scripts/`` are thin click wrappers over these modules:

- ``book``: the deployments file of a network (``deployments/<network>.json``).
- ``session``: one connected session (project, chain, book, accounts by role).
- ``market``: reference prices from the bundled data (or a JSON file) and NAV.
- ``setup``: ``deploy`` (protocol, cash token, an index from the methodology).
- ``compiler``, ``trading`` (WLP and PMM), ``custodian``, ``status``: the role operations.
- ``demo``: the end-to-end story of ``make demo``.
- ``tables``: text tables for people.

Every refusal raises :class:`OpsError` with one line that says what is wrong, before
any transaction is sent; the scripts print it and exit non-zero.
"""
