"""The HTTP side: addressing, query parsing, policy, handlers, errors: the server half of aiohttp."""
