"""The activity sites' records: `hours` (the rules of a daily log and of a volunteer's day, pure),
`activities` (a site's activities and the volunteers in them), `dailylogs` (dates entered in batches,
whole or not at all; what is locked once sent to 1365), `readers` (the rows of an uploaded file: CSV
or .xlsx), `imports` (a file's lines checked for preview, then saved), `uploads` (the file held on the
server between preview and confirmation) `exports` (CSV out, and the import template) and `sheets` (.xlsx templates).
Plain Python over the models: no Flask, no RQ."""
