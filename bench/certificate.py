"""6. 확인서: the PDF of a certificate of 20 activities (5 dates each), made on the server.

In this process: `ops.certpdf.render` alone (what the issue asks to be under 300 ms), and the whole
확인서 출력 request through the WSGI test client (issue: a locked transaction, the snapshot, the
number; then the PDF), each after the process's first PDF (which parses the font: reported apart).
"""
import re
import statistics
import time

from werkzeug.security import generate_password_hash

from pumasi.db import db
from pumasi.models import Certificate, Member, Participation
from pumasi.ops import certificate, certpdf

from .data import PASSWORD, _page_volunteer
from .page import login

ACTIVITIES, DATES = 20, 100


def _ms(samples):
    ordered = sorted(samples)
    return {"median_ms": statistics.median(ordered), "p95_ms": ordered[int(len(ordered) * 0.95) - 1]}


def run(world, count):
    app = world.app()
    with app.app_context(), db.connection_context():
        username = _page_volunteer("certbench", ACTIVITIES, DATES, generate_password_hash(PASSWORD))
        volunteer = Member.get(Member.username == username)
        ids = [str(p.id) for p in Participation.select().where(Participation.volunteer == volunteer)]
    client = app.test_client()
    login(client, username)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/mypage/activities").text).group(1)
    form = {"participation_ids": ids, "csrf_token": token}

    started = time.perf_counter()
    first = client.post("/mypage/certificate", data=form)
    cold_ms = (time.perf_counter() - started) * 1000
    assert first.status_code == 200 and first.mimetype == "application/pdf", first.status_code
    requests = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.post("/mypage/certificate", data=form)
        requests.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with app.app_context(), db.connection_context():
        issued = Certificate.select().order_by(Certificate.id.desc()).first()
        content = certificate.content_of(issued)
    renders, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.process_time()
        data = certpdf.render(content, issued.number, certificate.shown_code(issued.code), "https://example.org/verify/x")
        renders.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return {"activities": len(content["activities"]), "dates": content["total_days"], "pdf_bytes": len(data),
            "cold_request_ms": cold_ms, "render": _ms(renders), "render_cpu": _ms(cpu), "request": _ms(requests), "count": count}
