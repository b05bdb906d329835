"""Pure processing: the engines of the catalogue's actions (`proxy.grammar`), one folder per category.

Nothing here does I/O; bytes and parsed parameters go in, bytes and a media type come out.
"""
