"""The `petId` path converter: a malformed id does not resolve, so it answers 404."""

import uuid

from petshop.validators import clean_pet_id


class PetIdConverter:
    """32 hex characters or a dashed UUID, in either case; views receive a UUID."""

    regex = "(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(clean_pet_id(value))

    def to_url(self, value: uuid.UUID | str) -> str:
        return value.hex if isinstance(value, uuid.UUID) else value
