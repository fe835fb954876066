"""onex wallet_api."""
