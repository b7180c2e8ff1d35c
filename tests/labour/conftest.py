import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English unless a test asks for Arabic (the portal's default)."""
    with translation.override("en"):
        yield
