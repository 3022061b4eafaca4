"""The 1365 simulator: a stand-in for 1365's record linkage that speaks pumasi's contract
(docs/1365_CONTRACT.md), for demos, tests and operators' rehearsals.

It imports nothing of pumasi (it could run on another machine). Its parts: `settings` (its settings
and defaults, which pumasi's settings take up), `store` (the SQLite store and its secret), `accounts`
(1365 accounts and what 1365 recorded), `faults` (injected faults), `rules` (how a date is answered:
codes 99/100/200/300/400), `app` (the HTTP API), `cli` (the command line: `python -m sim1365 …`).
"""
