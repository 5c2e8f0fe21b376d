"""The course's version, defined here alone: pyproject.toml reads it (setuptools `attr:`), the launch links
point at its tag (`v` + this), and CITATION.cff and CHANGELOG.md name it (tests/test_version.py checks)."""

__version__ = "0.2.0"
