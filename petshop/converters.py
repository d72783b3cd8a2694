"""The `petId` path converter: a malformed id does not resolve, so it answers 404."""

from petshop.validators import clean_pet_id


class PetIdConverter:
    """32 hex characters or a dashed UUID, in either case; views receive 32 lowercase hex."""

    regex = "(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"

    def to_python(self, value: str) -> str:
        return clean_pet_id(value)

    def to_url(self, value: str) -> str:
        return value
