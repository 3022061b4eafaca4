"""The volunteer's 주민등록번호 (RRN): `rrn` (parse, validate, mask), `vault` (encrypt, decrypt,
rotate under PUMASI_RRN_KEYS), `store` (본인인증 and its reset, the one decryption for sending, key
rotation; each audited), `erasure` (a deleted RRN leaves the database files), `keycheck` (keys that
cannot open the database's check value stop the service). Plain Python: no Flask, no RQ."""
