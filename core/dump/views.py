"""`GET /dump.sql` and `POST /dump.sql`: the whole database as a streamed SQL script."""

import logging

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAdminUser
from rest_framework.views import APIView

from core.dump.dialects import DIALECTS
from core.dump.exceptions import DumpError
from core.dump.writer import DumpOptions, DumpWriter

logger = logging.getLogger(__name__)


class DumpQuerySerializer(serializers.Serializer):
    schema = serializers.BooleanField(
        default=True,
        help_text="`false`: rows only, to load with `manage.py load_dump` into a database that "
        "`manage.py migrate` created.",
    )
    dialect = serializers.ChoiceField(
        choices=DIALECTS,
        required=False,
        help_text="SQL dialect of a data-only dump; by default the database's own. A dump with its "
        "schema is always in the database's own dialect.",
    )

    def validate(self, attrs):
        try:
            attrs["options"] = DumpOptions.for_database(schema=attrs["schema"], dialect=attrs.get("dialect"))
        except DumpError as exc:
            raise serializers.ValidationError({"dialect": [str(exc)]}) from exc
        return attrs


class FirstRendererNegotiation(BaseContentNegotiation):
    """Errors in JSON whatever the client accepts; the dump itself is always SQL.

    A client asking for `Accept: application/sql` must get the dump, not a 406
    from a negotiation that only knows the JSON renderer.
    """

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


_EXAMPLE = (
    '-- dump: {"dialect": "postgresql", "format": 2, "schema": true}\n'
    "SET client_encoding = 'UTF8';\n"
    "BEGIN;\n"
    'CREATE TABLE "petshop_pet" (...);\n'
    'INSERT INTO "petshop_pet" ("id", "name", ...) VALUES (\'9b2f...\', \'Rex\', ...),\n'
    "('a1c0...', 'Bolt', ...);\n"
    "...\n"
    "COMMIT;\n"
    '-- dump-complete: {"files": 1, "tables": {"petshop_pet": 1, ...}}\n'
)

_DESCRIPTION = (
    "Streams (chunked) every table of every app and every stored file as one SQL script, read from "
    "one consistent snapshot. With the schema (the default), a PostgreSQL dump restores with "
    "`psql -v ON_ERROR_STOP=1 -f dump.sql` into an empty database and a SQLite dump with "
    "`sqlite3 new.db < dump.sql`; `manage.py load_dump` restores either into the configured database "
    "and storage. Stored files are rows of the `dump_files` table (name, content type, size, SHA-256, "
    "bytes). The last line, `-- dump-complete: {...}`, carries the row and file counts: a download "
    "without it is truncated. The dump holds password hashes: staff only."
)

_SCHEMA = {
    "parameters": [DumpQuerySerializer],
    "request": None,
    "responses": {
        (200, "application/sql"): OpenApiResponse(
            response=OpenApiTypes.BINARY,
            description="The SQL script, as an attachment `dump-<UTC timestamp>.sql`.",
            examples=[OpenApiExample("Dump", value=_EXAMPLE, media_type="application/sql")],
        ),
    },
    "tags": ["dump"],
}


class DumpView(APIView):
    """Streams the whole database, stored files included, as one SQL script."""

    permission_classes = [IsAdminUser]
    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        operation_id="dump_sql_get",
        summary="Dump the database and its stored files as SQL (staff only)",
        description=_DESCRIPTION,
        **_SCHEMA,
    )
    def get(self, request):
        query = DumpQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        options = query.validated_data["options"]
        logger.info("Dump (schema=%s, dialect=%s) for user %s.", options.schema, options.dialect, request.user.pk)
        # Nothing is read until the server iterates the response; the writer
        # opens its snapshot then and releases it when the response is closed.
        response = StreamingHttpResponse(DumpWriter(options).stream(), content_type="application/sql")
        filename = f"dump-{timezone.now():%Y%m%dT%H%M%SZ}.sql"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        # It holds password hashes: no cache may keep a copy. Proxies such as
        # nginx pass it on as it comes instead of buffering it whole.
        response["Cache-Control"] = "no-store"
        response["X-Accel-Buffering"] = "no"
        return response

    @extend_schema(
        operation_id="dump_sql_post",
        summary="Dump the database and its stored files as SQL (staff only)",
        description=f"{_DESCRIPTION} The same as `GET /dump.sql`; a body, if any, is ignored.",
        **_SCHEMA,
    )
    def post(self, request):
        return self.get(request)
