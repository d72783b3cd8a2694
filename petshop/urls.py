from django.urls import path, register_converter

from petshop.converters import PetIdConverter
from petshop.views import PetCollectionView, PetDetailView, PictureFileView, PictureView

app_name = "petshop"

register_converter(PetIdConverter, "pet_id")

urlpatterns = [
    path("pet", PetCollectionView.as_view(), name="pet-list"),
    path("pet/<pet_id:petId>", PetDetailView.as_view(), name="pet-detail"),
    path("picture/<pet_id:petId>.png", PictureFileView.as_view(), name="picture-file"),
    path("picture/<pet_id:petId>", PictureView.as_view(), name="picture"),
]
