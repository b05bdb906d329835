"""The x-oss-process grammar: parse, validate, normalise and build process strings, with no engine.

`chain` parses against a `Catalogue` (`catalogue`), the one of OSS being `oss.OSS`, built from one
literal per category (`image`, `doc`, `video`, `audio`). Only the standard library, `proxy.errors` and
`proxy.limits` are imported (an import-linter contract says so), so clients and docs can use it alone.
"""
