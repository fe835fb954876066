"""``digestSRI`` of a JSON document: ``sha256-<base64>`` of its RFC 8785 (JCS) form, the way
a credential names another by content (VC Data Model 2.0 ``digestSRI``; Subresource
Integrity syntax). Key order and number spelling do not change it; any value does."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import rfc8785


def digest_sri(document: Any) -> str:
    """``sha256-<base64>`` of the JCS form of ``document``."""
    return "sha256-" + base64.b64encode(hashlib.sha256(rfc8785.dumps(document)).digest()).decode()
