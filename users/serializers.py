from django.contrib.auth import password_validation

from core.serializers import ModelSerializer, StrictCharField
from users.models import User


class UserSerializer(ModelSerializer):
    password = StrictCharField(
        write_only=True,
        max_length=128,
        style={"input_type": "password"},
        trim_whitespace=False,
        # users.services checks the configured password validators, whose rules
        # JSON Schema cannot state (common passwords, likeness to the name).
        help_text=" ".join(password_validation.password_validators_help_texts()),
    )

    class Meta:
        model = User
        fields = ["id", "name", "last_name", "email", "password"]
        extra_kwargs = {
            "name": {"required": True, "allow_blank": False},
            "last_name": {"required": True, "allow_blank": False},
            # Uniqueness is the service's job: a duplicate is 409, not 400.
            "email": {"validators": []},
        }
