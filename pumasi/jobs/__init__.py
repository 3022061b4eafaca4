"""The job queue: Redis (`connection`, or the embedded one of `embedded`), the RQ jobs that carry
linkage steps (`tasks`: they take ids, call the linkage domain and schedule what it says comes next),
the sweeper that takes up what stalled (`sweeper`) and checks the operators' alerts (`alerting`),
an operator's import run in a worker (`imports`), and what the queue and 1365 last said (`status`).

Jobs run in a worker that has the app already (pumasi.worker): they use flask's current_app and
never build one themselves."""
