"""The people who log in and the sites they manage: user names (`usernames`: what one may be, when two
are the same), members and sites as operators manage them (`members`, `sites`), and passwords
(`passwords`: the rule, changes, one-time links, temporary passwords), first passwords by
invitation (`invitations`), 회원가입 and its approval (`signups`), and a volunteer's 내 정보 (`myinfo`).
Plain Python: no Flask."""
