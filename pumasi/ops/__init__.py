"""What operators run and watch, around the domain: the audit log (`audit`), 기술지원 actions
(`helpdesk`), the linkage monitor (`monitor`), notifications and e-mail (`notify`, `mail`), the
settings the console changes (`console_settings`), the 확인서 (`certificate`, its PDF `certpdf` in the
font of `pdffont`), /healthz (`health`), `flask check` (`selfcheck`), backups (`backup`), logging with
its RRN mask (`logs`, `logmask`), the access records (`access`, looked up `access_list`, reviewed
monthly `access_review`, checked `access_check`), the alerts (`alerts`, their pages `alert_pages`),
the charts (`charts`), invitations sent (`invite`), the 처리방침 (`privacy`) and the audit log's
Korean words (`audit_labels`)."""
