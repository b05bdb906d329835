"""image/* actions."""
