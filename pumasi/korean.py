"""Korean particles after a word the code does not know beforehand (a name, a number, a label): a
message written with both forms, '{name}을(를)', gets the one the word takes, chosen by whether its
last sound ends in a consonant (받침). A word whose sound cannot be told (a Latin 아이디) keeps both."""
import re

# (with a final consonant, without); 으로/로: 로 also after ㄹ.
_PAIRS = {"을(를)": ("을", "를"), "이(가)": ("이", "가"), "은(는)": ("은", "는"), "과(와)": ("과", "와"),
          "(으)로": ("으로", "로")}
_PAIRED = re.compile(r"(을\(를\)|이\(가\)|은\(는\)|과\(와\)|\(으\)로)")
_QUIET = " '\"‘’“”)]>"  # what may stand between the word and its particle: quotes, a closing bracket
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "3": "ㅁ", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ"}  # 영 일 삼 육 칠 팔 (십 백 천 만: 0)
_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


def final_sound(word):
    """'ㄹ', another final consonant as True, False for none, or None when it cannot be told."""
    word = re.sub(r"\([^()]*\)$", "", word.rstrip(_QUIET)).rstrip(_QUIET)  # '김민준(vol1)': 김민준
    if not word:
        return None
    last = word[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        final = (ord(last) - _HANGUL_FIRST) % 28
        return "ㄹ" if final == 8 else final != 0
    if last.isascii() and last.isdigit():
        sound = _DIGIT_FINAL.get(last)
        return "ㄹ" if sound == "ㄹ" else sound is not None
    return None


def _choose(before, paired):
    final = final_sound(before)
    if final is None:
        return paired
    with_final, without = _PAIRS[paired]
    if paired == "(으)로":
        return with_final if final is True else without
    return with_final if final else without


def particles(text):
    """The text with each paired particle ('을(를)', '이(가)', '은(는)', '과(와)', '(으)로') chosen for the
    word before it."""
    parts = _PAIRED.split(text)
    out = [parts[0]]
    for index in range(1, len(parts), 2):
        out.append(_choose("".join(out), parts[index]))
        out.append(parts[index + 1])
    return "".join(out)
