from core.serializers import ModelSerializer, StrictCharField
from users.models import User


class UserSerializer(ModelSerializer):
    password = StrictCharField(write_only=True, max_length=128, style={"input_type": "password"}, trim_whitespace=False)

    class Meta:
        model = User
        fields = ["id", "name", "last_name", "email", "password"]
        extra_kwargs = {
            "name": {"required": True, "allow_blank": False},
            "last_name": {"required": True, "allow_blank": False},
            # Uniqueness is the service's job: a duplicate is 409, not 400.
            "email": {"validators": []},
        }
