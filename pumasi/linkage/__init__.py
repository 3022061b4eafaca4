"""Linkage to 1365: `state` (where a date and a participation stand, result codes and their words),
`reads` (the 활동내역 rows and the per-date results, in plain SQL), `requests` (연계신청, 재연계 and an
operator's requests, made in one transaction), `delivery` (sending, polling and deciding each
request's NextStep, which the jobs schedule), `answers` (1365's answers applied, retries) and
`version` (the number a volunteer's 활동내역 changes with).
Plain Python over the models: no Flask, no RQ."""
