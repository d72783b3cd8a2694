"""Bulk import of the pet shop's register from its CSV file or its SQLite database.

Rows are read as a stream (`sources`), cleaned one by one with the same rules
as the API (`petshop.validators`), and written with set-based SQL
(`staging`): on PostgreSQL an empty register is filled by COPY straight into
its table; otherwise the good rows are loaded into a temporary staging table
(COPY on PostgreSQL, batched executemany on SQLite), ids repeated within the
file are found in SQL, and the register is upserted from the staging table
with two statements. Memory stays flat whatever the size of the file; a
million rows take seconds.
"""

from petshop.importer.loading import ImportResult, import_pets
from petshop.importer.sources import ImportFileError, open_source

__all__ = ["ImportFileError", "ImportResult", "import_pets", "open_source"]
