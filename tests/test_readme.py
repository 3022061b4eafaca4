"""The README keeps up with the code: its first lines give the two commands, it lists every setting."""
import os

from pumasi.settings import SETTINGS

import helpers


def _readme():
    with open(os.path.join(helpers.ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def test_first_lines_give_the_two_commands():
    head = "\n".join(_readme().splitlines()[:10])
    assert "make run" in head and "make test" in head


def test_every_setting_is_documented():
    text = _readme()
    missing = [setting.env for setting in SETTINGS if f"`{setting.env}`" not in text]
    assert not missing, missing
