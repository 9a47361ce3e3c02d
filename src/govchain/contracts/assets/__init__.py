"""Service ``assets``: asset types, e-licences and lockers (docs/spec/assets.md)."""
