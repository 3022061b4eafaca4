"""What operators run and watch, around the domain: the audit log (`audit`), 기술지원 actions
(`helpdesk`), the linkage monitor (`monitor`), notifications and e-mail (`notify`, `mail`), the
settings the console changes (`console_settings`), the 확인서 (`certificate`), /healthz (`health`),
`flask check` (`selfcheck`), backups (`backup`), and logging with its RRN mask (`logs`, `logmask`)."""
