"""Every schema of the API is in `guichet.api.schemas`: the OpenAPI document names each
schema by its class, so two schemas of one name in two modules would silently stand for
one another there (the customer of a new ticket and the customer the contacts endpoint
creates once did)."""

import importlib
import inspect
import pkgutil

from pydantic import BaseModel

import guichet.api
from guichet.api.api import api


def _api_modules():
    for info in pkgutil.walk_packages(guichet.api.__path__, "guichet.api."):
        if ".tests" not in info.name and ".migrations" not in info.name:
            yield importlib.import_module(info.name)


def test_the_api_defines_its_schemas_in_one_module():
    elsewhere = {
        f"{module.__name__}.{name}"
        for module in _api_modules()
        if module.__name__ != "guichet.api.schemas"
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
    }
    assert elsewhere == set()


def test_a_new_tickets_customer_and_a_new_customer_are_two_schemas_in_the_document():
    schemas = api.get_openapi_schema(path_prefix="/api/v1/")["components"]["schemas"]
    assert schemas["TicketIn"]["properties"]["contact"]["$ref"].endswith("/CustomerIn")
    assert "id" in schemas["CustomerIn"]["properties"]
    assert "brand" in schemas["ContactIn"]["properties"]
