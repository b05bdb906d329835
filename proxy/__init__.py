"""Osprey: Alibaba-OSS-style x-oss-process in front of any S3-compatible bucket."""

__version__ = "0.1.0"
