"""The baseline for the recharge routes: the least a WSGI application can do to answer them.

Three routes, each giving the service's status and JSON body from the same
PostgreSQL tables with psycopg2 (one connection per thread, kept open,
autocommit), with nothing else: no framework, no middleware, no
authentication, no throttling, no validation.

- `POST /PhoneRecharges`: one `INSERT` of the row the service inserts into
  `recharges_recharge` (a new UUID, the time now, the body's company,
  product, phone number and value, and the caller as owner), answered 201
  with `Location` and the recharge as the service writes it. The owner is
  the `user_id` claim of the bearer token, read without checking the
  signature; the value is the body's, to the cent (the service stores the
  product's, which the bodies the benchmark sends carry). No idempotency
  key is recorded, no company or product is read: the database's foreign
  keys and checks are the only checks.
- `GET /PhoneRecharges?id=`: one `SELECT` of the row by id, 200 with the
  recharge, 404 when there is none.
- `GET /CompanyProducts`: every company with its products, ordered as the
  service orders them (companies by id, products by value then id), in one
  `SELECT` (a `LEFT JOIN`, so a company without products is still listed);
  200 with the array and `X-Total-Count`, no `Link`. Read from the database
  every time: the service answers from its cache.

Money is written with its two stored decimals (`10.00`) and times as ISO 8601
in UTC with `Z`, as recharges.renderers and DRF write them.
"""

import base64
import datetime
import json
import re
import uuid
from decimal import Decimal

from bench import raw

UUID = re.compile(r"(?:^|&)id=([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?:&|$)")
CENT = Decimal("0.01")
INSERT = (
    "INSERT INTO recharges_recharge (id, created_at, company_id, product_id, phone_number, value, owner_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
READ = "SELECT id, created_at, company_id, product_id, phone_number, value FROM recharges_recharge WHERE id = %s"
CATALOGUE = (
    "SELECT c.company_id, p.id, p.value FROM recharges_company c"
    " LEFT JOIN recharges_product p ON p.company_id = c.company_id ORDER BY c.company_id, p.value, p.id"
)
NOT_FOUND = {"detail": "No recharge of yours has this id.", "code": "recharge_not_found"}


def application(environ, start_response):
    path, method = environ["PATH_INFO"].rstrip("/"), environ["REQUEST_METHOD"]
    if path == "/PhoneRecharges" and method == "POST":
        return _buy(environ, start_response)
    if path == "/PhoneRecharges" and method == "GET":
        return _read(environ, start_response)
    if path == "/CompanyProducts" and method == "GET":
        return _catalogue(start_response)
    return raw.respond(start_response, "404 Not Found", '{"detail":"Not found.","code":"not_found"}')


def _buy(environ, start_response):
    body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)), parse_float=Decimal)
    claims = environ["HTTP_AUTHORIZATION"].split(".")[1]
    owner = int(json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["user_id"])
    recharge = (
        str(uuid.uuid4()),
        datetime.datetime.now(datetime.UTC),
        body["company_id"],
        body["product_id"],
        body["phone_number"],
        Decimal(body["value"]).quantize(CENT),
    )
    with raw.connection().cursor() as cursor:
        cursor.execute(INSERT, (*recharge, owner))
    return raw.respond(
        start_response, "201 Created", _recharge(*recharge), [("Location", f"/PhoneRecharges?id={recharge[0]}")]
    )


def _read(environ, start_response):
    match = UUID.search(environ.get("QUERY_STRING", ""))
    row = None
    if match:
        with raw.connection().cursor() as cursor:
            cursor.execute(READ, (match[1],))
            row = cursor.fetchone()
    if row is None:
        return raw.respond(start_response, "404 Not Found", json.dumps(NOT_FOUND, separators=(",", ":")))
    return raw.respond(start_response, "200 OK", _recharge(*row))


def _catalogue(start_response):
    with raw.connection().cursor() as cursor:
        cursor.execute(CATALOGUE)
        rows = cursor.fetchall()
    companies: dict[str, list[str]] = {}
    for company_id, product_id, value in rows:
        products = companies.setdefault(company_id, [])
        if product_id is not None:
            products.append(f'{{"id":{json.dumps(product_id)},"value":{value:f}}}')
    body = ",".join(
        f'{{"company_id":{json.dumps(company_id)},"products":[{",".join(products)}]}}'
        for company_id, products in companies.items()
    )
    return raw.respond(start_response, "200 OK", f"[{body}]", [("X-Total-Count", str(len(companies)))])


def _recharge(recharge_id, created_at, company_id, product_id, phone_number, value) -> str:
    created = created_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    head = json.dumps(
        {
            "id": str(recharge_id),
            "created_at": created,
            "company_id": company_id,
            "product_id": product_id,
            "phone_number": phone_number,
        },
        separators=(",", ":"),
    )
    return f'{head[:-1]},"value":{value:f}}}'
