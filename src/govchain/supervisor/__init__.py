"""The supervisor of time limits (F-D6): ``govchain supervise run``; docs/spec/workflow.md
"Supervision".

It follows the chain block by block, keeps the ready and returned steps of
open cases with their deadlines (each step record proven against the
genesis), submits ``workflow.flag_overdue`` as soon as the latest block's
BFT time is past a deadline, and raises an alert (a line on stdout and a
message to the regulator's and the department adapter's inboxes) on every
committed ``workflow.overdue`` and ``workflow.intervention``. ``follower``
is the logic over a chain object, ``http_chain`` the chain and messages
over HTTP, ``progress`` the state file a restart resumes from.
"""
