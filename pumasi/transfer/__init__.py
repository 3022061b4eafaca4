"""An organisation's data in and out by file (issue 14): `sheet` (the lines of an operator's file, the
checks every kind shares), `members`, `activities` (sites and activities), `participations` (with
their dates and what 1365 already holds), each checked and saved, `runs` (an import from upload to
saved: held, previewed, chosen, saved whole or not at all), `templates` (the empty files), `exports` (each kind out again in its import's format).
Plain Python over the models: no Flask, no RQ (the jobs are in pumasi.jobs.imports)."""
