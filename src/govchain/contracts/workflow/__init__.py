"""Service ``workflow``: matters, processes, cases, supervision (docs/spec/workflow.md)."""
