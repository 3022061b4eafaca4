"""An operator's import from upload to saved, whatever its kind: the file held on the server (for
HELD_FOR at most, deleted once saved), read and checked once for the preview and once more inside the
saving transaction (whole or nothing: when a line is no longer good, nothing is saved and the new
preview says why). The work runs in a job; progress(phase, done, total) is told as it goes."""
import hashlib
import json
from datetime import timedelta

from peewee import IntegrityError, OperationalError

from ..clock import utcnow
from ..db import exclusive_transaction
from ..identity.rrn import mask_in_text
from ..models import ImportRun, Member
from ..records.errors import NotAllowed
from . import activities, members, participations

HELD_FOR = timedelta(hours=2)
SHOWN = 1000  # lines of each list (problems, duplicates) a preview shows
KINDS = {members.KIND: members, activities.KIND: activities, participations.KIND: participations}
LABELS = {members.KIND: "회원", activities.KIND: "활동처·활동", participations.KIND: "참여·활동일"}
STATES = {"queued": "대기 중", "previewing": "확인 중", "previewed": "미리보기", "saving": "저장 중",
          "saved": "저장됨", "failed": "저장하지 않음"}
WORKING = ("queued", "previewing", "saving")
JOBS = {"queued": "preview_import", "previewing": "preview_import", "saving": "save_import"}  # what works on each
GONE_MESSAGE = "가져오기 파일이 만료되었습니다. 파일을 다시 올려 주세요."
# A run whose job is gone (its worker killed, the job failed or was lost): what happened, and that
# 다시 시도 is safe (a preview saves nothing; a save is one transaction, so a cut one saved nothing).
ABANDONED = {
    "preview_import": "파일 확인이 끝나지 않고 멈췄습니다(작업을 처리하던 프로그램이 중단되었습니다). 아직 아무것도 "
                      "저장하지 않았습니다. '다시 시도'를 누르면 파일을 처음부터 다시 확인합니다.",
    "save_import": "저장이 끝나지 않고 멈췄습니다(작업을 처리하던 프로그램이 중단되었습니다). 저장은 전부 되거나 전혀 "
                   "되지 않으므로 이 파일에서 저장된 것은 없습니다. '다시 시도'를 누르면 처음부터 다시 저장합니다(안전합니다).",
}
CHANGED_MESSAGE = ("저장하지 않았습니다. 미리보기 이후 바뀐 줄이 있습니다(새로 생긴 오류, 그사이 만들어진 회원 등). "
                   "아래 미리보기를 확인하고 파일을 다시 올려 주세요.")

OVERLAP_MESSAGE = "저장하지 않았습니다. 같은 때에 다른 저장과 겹쳤습니다. 미리보기를 확인하고 다시 저장해 주세요."


def drop_expired(now=None):
    """Expired runs lose their files (also from the workers' sweep: nobody may upload again)."""
    ImportRun.update(data=None).where(ImportRun.expires_at <= (now or utcnow()), ImportRun.data.is_null(False)).execute()


def start(kind, filename, data, actor):
    """Hold a file for an import of kind; returns the run (queued). Expired runs lose their files now."""
    if kind not in KINDS:
        raise ValueError(kind)
    now = utcnow()
    drop_expired(now)
    return ImportRun.create(kind=kind, created_by=actor, filename=mask_in_text(filename or "")[:255], data=data,
                            created_at=now, expires_at=now + HELD_FOR)


def _lines(run, today, config, progress):
    module = KINDS[run.kind]
    return module.check(bytes(run.data), run.filename, today, progress=progress, **_options(run.kind, config))


def _options(kind, config):
    return {"prefix": config["IMPORT_USERNAME_PREFIX"]} if kind == members.KIND else {}


def _line_json(line):
    return {"n": line.number, "cells": {k: str(v) for k, v in line.cells.items()},
            "errors": [[column, message] for column, message in line.errors], "action": line.action,
            "found": line.found, "note": line.note,
            "name": (line.values or {}).get("username", "") if line.note else ""}


def summary(lines):
    """What a preview keeps: counts, and the lines with problems and the duplicates (SHOWN of each)."""
    bad = [line for line in lines if not line.ok]
    duplicates = [line for line in lines if line.ok and line.action == "duplicate"]
    counts = {"total": len(lines), "bad": len(bad), "duplicate": len(duplicates),
              "create": sum(1 for line in lines if line.ok and line.action == "create")}
    for line in lines:
        if line.ok and line.action not in ("create", "duplicate"):
            counts[line.action] = counts.get(line.action, 0) + 1
    return {"counts": counts, "plan": plan(lines), "bad": [_line_json(line) for line in bad[:SHOWN]],
            "duplicates": [_line_json(line) for line in duplicates[:SHOWN]],
            "generated": [_line_json(line) for line in lines if line.ok and line.note][:SHOWN]}


def plan(lines):
    """A digest of what saving the lines would do (each line's action and the record it found): the
    save goes ahead only when it is still what the operator saw."""
    digest = hashlib.sha256()
    for line in lines:
        found = line.found.get("id") if isinstance(line.found, dict) else line.found
        digest.update(f"{line.number}:{line.action}:{found};".encode())
    return digest.hexdigest()


def _finish(run, state, **fields):
    fields.update(state=state, finished_at=utcnow() if state in ("saved", "failed", "previewed") else None)
    ImportRun.update(**fields).where(ImportRun.id == run.id).execute()


def preview(run_id, today, config, progress=lambda *a: None):
    """Read and check the run's file and keep what the preview shows; returns the run."""
    run = ImportRun.get_by_id(run_id)
    if run.data is None:
        _finish(run, "failed", problem=GONE_MESSAGE)
        return ImportRun.get_by_id(run_id)
    ImportRun.update(state="previewing").where(ImportRun.id == run.id).execute()
    progress("확인", 0, 1)
    try:
        lines = _lines(run, today, config, progress)
    except NotAllowed as exc:
        _finish(run, "failed", problem=exc.message, data=None)
        return ImportRun.get_by_id(run_id)
    progress("확인", 1, 1)
    _finish(run, "previewed", preview=json.dumps(summary(lines), ensure_ascii=False), lines=len(lines), problem="")
    return ImportRun.get_by_id(run_id)


def choose(run, choices, default="skip"):
    """Keep the operator's choices for the duplicates ({line number: "skip" | "update"}, default for
    the lines not shown) and mark the run to be saved; False when it cannot be saved (expired, not
    previewed, or lines with problems)."""
    shown = read(run)
    if run.state != "previewed" or run.data is None or shown is None or shown["counts"]["bad"]:
        return False
    clean = {str(int(n)): c for n, c in choices.items() if c in ("skip", "update")}
    clean["*"] = default if default in ("skip", "update") else "skip"
    updated = ImportRun.update(choices=json.dumps(clean), state="saving", job_id="").where(
        ImportRun.id == run.id, ImportRun.state == "previewed").execute()
    return updated == 1


def record_job(run_id, job, job_id, now=None):
    """Note the job about to be queued for the run (its step and RQ id): the sweep asks RQ about it."""
    ImportRun.update(job=job, job_id=job_id, job_queued_at=now or utcnow()).where(ImportRun.id == run_id).execute()


def waiting_on_jobs(queued_before):
    """Working runs whose job was queued before queued_before: the ones the sweep asks RQ about."""
    return list(ImportRun.select(ImportRun.id, ImportRun.job, ImportRun.job_id).where(
        ImportRun.state.in_(WORKING), ImportRun.job_id != "", ImportRun.job_queued_at <= queued_before))


def abandon(run):
    """Fail a working run whose job is gone, saying so; False when it moved on meanwhile (finished,
    or another job queued for it). Its file stays held, for 다시 시도."""
    return ImportRun.update(state="failed", problem=ABANDONED.get(run.job, ABANDONED["save_import"]),
                            finished_at=utcnow()).where(ImportRun.id == run.id, ImportRun.job_id == run.job_id,
                                                        ImportRun.state.in_(WORKING)).execute() == 1


def retry_job(run, held):
    """The job 다시 시도 queues for the run: a working run's, or the step whose job was lost (held: its
    file is still kept); None otherwise."""
    if run.state in WORKING:
        return JOBS[run.state]
    if run.state == "failed" and held and run.problem in ABANDONED.values():
        return run.job
    return None


def resume(run, job):
    """A run failed by a lost job, working again (queued for its preview, 저장 중 for its save)."""
    ImportRun.update(state="saving" if job == "save_import" else "queued", problem="", finished_at=None,
                     job_id="").where(ImportRun.id == run.id, ImportRun.state == "failed").execute()


def save(run_id, today, config, progress=lambda *a: None):
    """Save the run's file whole, as chosen, in one transaction; returns the run. When a line is no
    longer good or does something else than the preview said, nothing is saved: the run goes back to
    previewed, with the new preview."""
    run = ImportRun.get_by_id(run_id)
    if run.data is None:
        _finish(run, "failed", problem=GONE_MESSAGE)
        return ImportRun.get_by_id(run_id)
    choices = Choices(json.loads(run.choices or "{}"))
    actor = Member.get_or_none(Member.id == run.created_by_id)
    progress("저장", 0, 1)
    try:
        with exclusive_transaction("pumasi.import.save"):  # two saves at once: one after the other
            lines = _lines(run, today, config, progress)
            if not all(line.ok for line in lines) or plan(lines) != read(run)["plan"]:
                raise _Rejected(lines)
            result = KINDS[run.kind].save(lines, choices, actor, progress)
    except _Rejected as exc:
        _finish(run, "previewed", problem=CHANGED_MESSAGE,  # to be looked at, chosen for and saved again
                preview=json.dumps(summary(exc.lines), ensure_ascii=False))
        return ImportRun.get_by_id(run_id)
    except NotAllowed as exc:
        _finish(run, "failed", problem=exc.message, data=None)
        return ImportRun.get_by_id(run_id)
    except (IntegrityError, OperationalError):  # a form saved the same 아이디 meanwhile, SQLite busy
        _finish(run, "previewed", problem=OVERLAP_MESSAGE)  # nothing saved: to be saved again
        return ImportRun.get_by_id(run_id)
    progress("저장", 1, 1)
    _finish(run, "saved", result=json.dumps(result), data=None)
    return ImportRun.get_by_id(run_id)


class Choices(dict):
    """{line number: "skip" | "update"}, the default ("*") for any other line."""

    def __init__(self, kept):
        super().__init__({int(n): c for n, c in kept.items() if n != "*"})
        self.default = kept.get("*", "skip")

    def get(self, number, default=None):
        return super().get(number, self.default)


class _Rejected(Exception):
    def __init__(self, lines):
        super().__init__(len(lines))
        self.lines = lines


def read(run):
    """The run's preview as kept (None before there is one)."""
    return json.loads(run.preview) if run.preview else None


def result(run):
    """What a saved run saved ({"created": n, …}), or None."""
    return json.loads(run.result) if run.result else None


def shown(run_id):
    """The run as its page reads it, every second while a job works on it: every column but the held
    file (up to 30 MB), and `held`, whether the file is still kept; None when there is no such run."""
    columns = [column for column in ImportRun._meta.sorted_fields if column is not ImportRun.data]
    return ImportRun.select(*columns, ImportRun.data.is_null(False).alias("held")).where(
        ImportRun.id == run_id).first()


def recent(limit=20):
    """The latest runs as 가져오기 lists them: not their held files (up to 30 MB each) or previews."""
    return list(ImportRun.select(ImportRun.id, ImportRun.kind, ImportRun.filename, ImportRun.state,
                                 ImportRun.created_at).order_by(ImportRun.id.desc()).limit(limit))
