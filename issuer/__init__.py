"""onex issuer."""
