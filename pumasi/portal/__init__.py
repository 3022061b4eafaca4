"""How pumasi reaches 1365: the adapter interface (`adapter`), the default HTTP client of
docs/1365_CONTRACT.md (`http`), where the RRNs may be sent (`endpoint`), and a test kit that runs an
adapter against the simulator (`python -m pumasi.portal.testkit package.module:Class`)."""
