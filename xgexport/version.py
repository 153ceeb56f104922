"""The release number, in one place: the package metadata (pyproject.toml), ``--version``,
manifests, generated pages and verify's User-Agent all read it from here."""

__version__ = "0.1.0"
GENERATOR = f"xgexport {__version__}"  # the ``generator`` of manifests, root attributes and pages
