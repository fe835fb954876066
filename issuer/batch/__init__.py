"""Batch issuance: a file of thousands of rows → a dry run → a resumable job → a report.

- :mod:`~issuer.batch.columns` — the documented columns per kind (zh-CN and en headers);
- :mod:`~issuer.batch.reader` — CSV / XLSX / JSON lines into raw rows;
- :mod:`~issuer.batch.rows` — one raw row into a validated request or its problems;
- :mod:`~issuer.batch.plan` — the dry run: each row new / renewal / duplicate / invalid,
  stored as a planned job; nothing issued;
- :mod:`~issuer.batch.runner` — running a job in chunks (reserve, sign in worker processes,
  store), resumable after a kill, each row issued at most once;
- :mod:`~issuer.batch.worker` — building and signing, in the worker processes;
- :mod:`~issuer.batch.report` — counts, progress, the per-row report (CSV);
- :mod:`~issuer.batch.template_files` — downloadable template files.
"""
