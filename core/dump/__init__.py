"""The streaming SQL dump of the whole database, stored files included.

`writer.DumpWriter` streams a dump (used by `GET/POST /dump.sql` and
`manage.py dump`); `loader.DumpLoader` checks and restores one (`manage.py
load_dump`). Both are generic over the installed models.
"""
