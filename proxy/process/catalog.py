"""Importing this module fills the registry with every processing category."""

from proxy.process import image  # noqa: F401  (registers image/*)
