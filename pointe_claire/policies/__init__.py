"""Custom Rasa dialogue policies, referenced by module path in config.yml."""
