"""The baseline for the pet route: the least a WSGI application can do to answer it.

`GET /pet/{petId}` reads the same row from the same PostgreSQL table with
psycopg2 (one connection per thread, kept open) and answers the same JSON
body as the service, with nothing else: no framework, no middleware, no auth,
no throttling, no validation beyond the path pattern.
"""

import re

from bench import raw

PATH = re.compile(r"/pet/([0-9a-f]{32})/?")
QUERY = "SELECT id, name, owner, breed, birth_year, picture, created_at, updated_at FROM petshop_pet WHERE id = %s"


def application(environ, start_response):
    match = PATH.fullmatch(environ["PATH_INFO"])
    row = None
    if match:
        with raw.connection().cursor() as cursor:
            cursor.execute(QUERY, (match[1],))
            row = cursor.fetchone()
    if row is None:
        return raw.respond(start_response, "404 Not Found", {"detail": "Not found.", "code": "not_found"})
    pet_id, name, owner, breed, birth_year, picture, created_at, updated_at = row
    pet_id = pet_id.replace("-", "")
    host = environ.get("HTTP_HOST", "localhost")
    return raw.respond(
        start_response,
        "200 OK",
        {
            "petId": pet_id,
            "nome_pet": name,
            "dono": owner,
            "raca": breed,
            "data_nascimento": str(birth_year),
            "picture_url": f"http://{host}/picture/{pet_id}.png" if picture else None,
            "created_at": created_at.isoformat().replace("+00:00", "Z"),
            "updated_at": updated_at.isoformat().replace("+00:00", "Z"),
        },
    )
