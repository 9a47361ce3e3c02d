"""Department adapters: the bridge between the chain and a department's own system (F-D5, F-G1).

docs/spec/workflow.md "Department adapters". ``govchain adapter run``
follows a chain node's blocks; for each step of its department that becomes
ready it reads the step's inputs through the case grants (each read a usage
record), sends the step to the department system over HTTP (JSON), takes the
answer (synchronously or by callback), issues the outputs into the
applicant's locker, shares them with the steps that read them, and submits
the signed ``workflow.step_result``. It retries an unreachable system with
backoff, is idempotent (derived content ids and data keys: an output issued
before a crash is found again, not issued twice; a result the chain already
has is refused ``bad_status`` and counts once), and after a restart resumes
from chain state.

:mod:`.department` is the department system's client and the callback
inbox, :mod:`.outputs` the issuing and sharing of outputs, :mod:`.steps` one
step's handling, :mod:`.runner` the follower loop and its progress.
"""
