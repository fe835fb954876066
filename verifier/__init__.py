"""onex verifier: the verification pipeline, its sources, the VC-API routes and the employer page.

- :mod:`verifier.pipeline` — :class:`~verifier.pipeline.Verifier`: the core checks of
  :mod:`vc.verify` extended by trust registry, key periods, status and holder binding into one
  :class:`~verifier.report.Report`;
- :mod:`verifier.ports` — the Protocols it needs (``TrustRegistry``, ``StatusSource``,
  ``SupersessionLookup``, ``GrantLookup``), implemented in :mod:`verifier.registry`,
  :mod:`verifier.remote` (over HTTP, through :mod:`verifier.fetch`) or in ``service/``;
- :mod:`verifier.inputs` — JSON, JWT, QR code images and grant references;
- :mod:`verifier.routes` and :mod:`verifier.page` — the VC-API endpoints and ``/verify``.

Nothing here imports the issuer or the wallet.
"""
