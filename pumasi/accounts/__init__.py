"""The people who log in and the sites they manage: user names (`usernames`: what one may be, when two
are the same), members and sites as operators manage them (`members`, `sites`), and passwords
(`passwords`: the rule, changes, one-time links, temporary passwords). Plain Python: no Flask."""
