"""onex verifier."""
