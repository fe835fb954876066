"""Type aliases shared across the core library."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeAlias

JsonObject: TypeAlias = dict[str, Any]
"""A parsed JSON object (a JSON-LD document, a DID document, a proof...)."""

RemoteDocument: TypeAlias = dict[str, Any]
"""What a JSON-LD document loader returns: ``contextUrl``, ``documentUrl``, ``document``."""

DocumentLoaderFn: TypeAlias = Callable[[str, Any], RemoteDocument]
"""The callable shape pyld expects of a document loader."""

Clock: TypeAlias = Callable[[], datetime]
"""Returns the current time (timezone-aware UTC)."""
