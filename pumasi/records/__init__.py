"""The activity sites' records: `hours` (the rules of a daily log and of a volunteer's day, pure),
`activities` (a site's activities and the volunteers in them), `dailylogs` (dates entered in batches,
whole or not at all; what is locked once sent to 1365), `dayform` (the 일별 입력 form's rows),
`rules1365` (1365's rules a date meets: warnings, not refusals), `revocation` (확인서 holding a changed
date marked 정정됨), `entry_requests` (입력 요청: a volunteer asks for their dates), `readers` (the rows of
an uploaded file: CSV or .xlsx), `imports` (a file's lines checked for preview, then saved), `uploads`
(the file held on the server between preview and confirmation), `exports` (CSV out, and the import
template) and `sheets` (.xlsx templates). Plain Python over the models: no Flask, no RQ."""
