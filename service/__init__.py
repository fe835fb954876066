"""onex service."""
