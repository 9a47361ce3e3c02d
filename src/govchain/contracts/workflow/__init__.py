"""Service ``workflow`` (事项, 流程, 办件; F-D3..F-D6): docs/spec/workflow.md.

In progress (issue 18): the records and the process graph are here; the
handlers, reads and registration come next.
"""
