"""What is in a regulator's scope (docs/spec/supervision.md, "Regulators and scopes")."""

from __future__ import annotations

from govchain.contracts.assets.records import Asset
from govchain.contracts.supervision.records import RegulatorScope

__all__ = ["asset_in_scope", "case_in_scope"]


def asset_in_scope(scope: RegulatorScope, asset: Asset) -> bool:
    """An active scope holds the asset by its type or by its issuing department."""
    return scope.status == "active" and (
        asset.type in scope.types or asset.issuer in scope.departments
    )


def case_in_scope(
    scope: RegulatorScope, matters: tuple[str, ...], departments: tuple[str, ...]
) -> bool:
    """An active scope holds a case whose process has a step of one of ``matters`` or of one of
    ``departments``."""
    return scope.status == "active" and bool(
        set(matters) & set(scope.matters) or set(departments) & set(scope.departments)
    )
