"""Model families. Every module in this package is imported here, so a family
registers itself (``@register``) just by living in this folder."""
import importlib
import pkgutil

from studio.engine.families.base import (  # noqa: F401
    Batch, DataInfo, Family, FamilyConfig, Frame, all_families, get_family, register,
)

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base" and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
