"""What the tests need around them and the product does not: kept out of the `guichet`
package so that it is not installed with it (`pyproject.toml` packages `guichet*` only).
The root of the repository is on the tests' path (`pythonpath` in `pyproject.toml`)."""
