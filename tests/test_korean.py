"""Korean particles after words the code does not know beforehand (pumasi.korean): the walks found
'생년월일이(가)', '아이디이(가)', "'박지호'을(를)", '기관명을(를)' in messages."""
import pytest

from pumasi import korean


@pytest.mark.parametrize("text, told", [
    ("'김민준'을(를) 찾을 수 없습니다.", "'김민준'을 찾을 수 없습니다."),
    ("'박지호'을(를) 찾을 수 없습니다.", "'박지호'를 찾을 수 없습니다."),
    ("생년월일이(가) 미래 날짜입니다.", "생년월일이 미래 날짜입니다."),
    ("2번째 줄과 아이디이(가) 같습니다.", "2번째 줄과 아이디가 같습니다."),
    ("기관명을(를) 입력해 주세요.", "기관명을 입력해 주세요."),
    ("기술지원 전화번호은(는) 20자 이하", "기술지원 전화번호는 20자 이하"),
    ("2행과(와) 같은 내용", "2행과 같은 내용"), ("함께 쓴 줄과(와)", "함께 쓴 줄과"), ("가나다과(와)", "가나다와"),
    ("김민준(vol1)을(를)", "김민준(vol1)을"), ("[이서연]을(를)", "[이서연]을"),
    ("서울(으)로", "서울로"), ("서울역(으)로", "서울역으로"), ("학교(으)로", "학교로"),
])
def test_the_particle_the_word_takes(text, told):
    assert korean.particles(text) == told


@pytest.mark.parametrize("number, particle", [
    ("0", "을"), ("1", "을"), ("2", "를"), ("3", "을"), ("4", "를"), ("5", "를"), ("6", "을"), ("7", "을"),
    ("8", "을"), ("9", "를"), ("10", "을"), ("100", "을"), ("2026-000122", "를"), ("2026-000123", "을"),
])
def test_a_number_is_read_as_korean_reads_it(number, particle):
    assert korean.particles(f"확인서 {number}을(를) 취소했습니다.") == f"확인서 {number}{particle} 취소했습니다."


@pytest.mark.parametrize("number, told", [("1", "1로"), ("7", "7로"), ("2", "2로"), ("3", "3으로"), ("10", "10으로")])
def test_ro_after_a_number(number, told):
    assert korean.particles(f"{number}(으)로") == told


@pytest.mark.parametrize("text", ["'nobody'을(를) 찾을 수 없습니다.", "vol이(가)", "을(를)", "ABC은(는)", "!과(와)"])
def test_a_word_whose_sound_cannot_be_told_keeps_both_forms(text):
    assert korean.particles(text) == text


def test_text_without_paired_particles_is_unchanged_and_several_are_each_chosen():
    assert korean.particles("아무 일 없음") == "아무 일 없음"
    assert korean.particles("사과을(를) 배과(와) 함께") == "사과를 배와 함께"
