"""Every schema of the API is in the package `guichet.api.schemas`, each of its own name: the
OpenAPI document names each schema by its class, so two schemas of one name in two modules
would silently stand for one another there (the customer of a new ticket and the customer
the contacts endpoint creates once did)."""

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


def _defined(module):
    return [
        name
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, BaseModel)
        and value.__module__ == module.__name__
    ]


def _in_schemas(module) -> bool:
    return module.__name__ == "guichet.api.schemas" or module.__name__.startswith(
        "guichet.api.schemas."
    )


def test_the_api_defines_its_schemas_in_one_package():
    elsewhere = {
        f"{module.__name__}.{name}"
        for module in _api_modules()
        if not _in_schemas(module)
        for name in _defined(module)
    }
    assert elsewhere == set()


def test_no_two_schemas_of_the_package_have_one_name():
    names = [name for module in _api_modules() if _in_schemas(module) for name in _defined(module)]
    assert len(names) == len(set(names)) and "SellerOut" in names and "TicketOut" in names


def test_a_new_tickets_customer_and_a_new_customer_are_two_schemas_in_the_document():
    schemas = api.get_openapi_schema(path_prefix="/api/v1/")["components"]["schemas"]
    assert schemas["TicketIn"]["properties"]["contact"]["$ref"].endswith("/CustomerIn")
    assert "id" in schemas["CustomerIn"]["properties"]
    assert "brand" in schemas["ContactIn"]["properties"]
