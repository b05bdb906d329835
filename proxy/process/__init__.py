"""Pure processing: the x-oss-process grammar, the action registry and one folder per category.

Nothing here does I/O; bytes and parsed parameters go in, bytes and a media type come out.
"""
