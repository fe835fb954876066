"""onex core library: Verifiable Credentials with Data Integrity proofs over bundled contexts.

Knows nothing of the web or of databases. Modules:

- :mod:`vc.jsonld`          document loader over ``contexts/``, RDFC-1.0 canonicalization
- :mod:`vc.keys`            Multikey key pairs (Ed25519, P-256, P-384)
- :mod:`vc.cryptosuites`    one module per Data Integrity cryptosuite
- :mod:`vc.data_integrity`  the proof envelope: add proofs, verify proof sets and chains
- :mod:`vc.did`             did:key, did:web
- :mod:`vc.jose`            ``application/vc+jwt``
- :mod:`vc.status_list`     the Bitstring Status List value type
- :mod:`vc.credential`      VC Data Model checks
"""
