"""The certificate PDF: served both ways, bilingual cover fields, a CJK font embedded,
rendered by poppler (pdftoppm/pdftotext) when it is installed, and a QR code to /verify."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ledger_proof.certificates.grades import DEFINITIONS
from ledger_service.certificates.pdf import FontMissing, find_cjk_font

from .conftest import E1, CertApi


@pytest.fixture
def pdf_bytes(sqlite_capi: CertApi) -> tuple[bytes, dict]:
    try:
        find_cjk_font()
    except FontMissing as exc:
        pytest.skip(f"{exc}")
    sqlite_capi.scored()
    out = sqlite_capi.issue()
    by_path = sqlite_capi.get(f"/v1/certificates/{out['id']}.pdf", E1)
    assert by_path.status_code == 200, by_path.text
    assert by_path.headers["content-type"] == "application/pdf"
    by_accept = sqlite_capi.get(f"/v1/certificates/{out['id']}", E1,
                                headers={"Accept": "application/pdf"})
    assert by_accept.headers["content-type"] == "application/pdf"
    assert by_accept.content[:5] == b"%PDF-"
    return by_path.content, out


def test_pdf_embeds_a_cjk_truetype_font(pdf_bytes: tuple[bytes, dict]) -> None:
    data, _ = pdf_bytes
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-32:]
    assert b"/FontFile2" in data  # an embedded TrueType subset, not a missing font
    assert b"CertCJK" in data or b"WenQuanYi" in data


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_has_the_cover_fields(pdf_bytes: tuple[bytes, dict], tmp_path: Path) -> None:
    data, out = pdf_bytes
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    compact = "".join(text.split())
    for field in ("企业信用评级证书", "评级编号", "评级时间", "有效期至", "评级机构", "信用等级",
                  "财务健康", "经营活跃", "成长潜力", "扫码验证", "福州闽江精密机械有限公司"):
        assert field in compact, field
    for field in ("Certificate No.", "Valid until", "Credit grade", "Financial health"):
        assert field.replace(" ", "") in compact, field
    assert out["number"] in compact
    assert DEFINITIONS["A"][0].rstrip("。") in compact
    assert out["credential_hash"][:32] in compact


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_renders_to_an_image(pdf_bytes: tuple[bytes, dict], tmp_path: Path) -> None:
    data, _ = pdf_bytes
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True, capture_output=True)
    png = (tmp_path / "page.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_qr_code_leads_to_the_prefilled_verification_page(pdf_bytes: tuple[bytes, dict],
                                                          sqlite_capi: CertApi) -> None:
    _, out = pdf_bytes
    assert out["verify_url"].endswith(
        f"/verify?id={out['id']}&hash={out['credential_hash']}")
    page = sqlite_capi.client.get("/verify")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "验证" in page.text and "Verify" in page.text
