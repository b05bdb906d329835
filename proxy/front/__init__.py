"""The HTTP side: addressing, query parsing, errors, handlers. Only this package imports aiohttp."""
