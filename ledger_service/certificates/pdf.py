"""The certificate as a bilingual PDF, laid out like a Chinese credit-rating report cover.

reportlab embeds only TrueType outlines; the common Noto CJK fonts are CFF
OpenType and fail, so the project installs WenQuanYi Zen Hei (Debian
``fonts-wqy-zenhei``, a TrueType collection) and finds it through fontconfig
(or LEDGER_CJK_FONT). Without a CJK font the PDF is refused rather than
rendered with empty boxes where the Chinese should be.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

import qrcode
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ledger_proof.certificates.grades import DEFINITIONS, DIMENSIONS
from ledger_service.certificates.credential import text_of

FONT = "CertCJK"
FAMILIES = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN")
#: Where Debian puts fonts, searched when fontconfig's fc-match is not installed.
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
_registered: dict[str, str] = {}
_lock = threading.Lock()


class FontMissing(RuntimeError):
    """No TrueType CJK font is installed (run scripts/setup.sh, or set LEDGER_CJK_FONT)."""


def find_cjk_font(configured: Path | None = None) -> Path:
    if configured is not None:
        if not configured.is_file():
            raise FontMissing(f"LEDGER_CJK_FONT {configured} does not exist")
        return configured
    if shutil.which("fc-match"):
        for family in FAMILIES:
            found = subprocess.run(["fc-match", "-f", "%{file}\n%{family}", family],
                                   capture_output=True, text=True, check=False).stdout
            path, _, names = found.partition("\n")
            if path and family.split()[0].lower() in names.lower() \
                    and path.lower().endswith((".ttf", ".ttc")):
                return Path(path)
    for folder in FONT_DIRS:
        for found_path in sorted(Path(folder).glob("**/wqy-*.tt[cf]")):
            return found_path
    raise FontMissing("no TrueType CJK font found: install fonts-wqy-zenhei "
                      "(scripts/setup.sh does) or set LEDGER_CJK_FONT")


def _font(configured: Path | None) -> str:
    with _lock:
        if FONT not in _registered:
            path = find_cjk_font(configured)
            kwargs = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
            pdfmetrics.registerFont(TTFont(FONT, str(path), **kwargs))
            _registered[FONT] = str(path)
    return FONT


def _qr(url: str) -> ImageReader:
    image = qrcode.make(url, box_size=6, border=2)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    buf.seek(0)
    return ImageReader(buf)


def render(record: dict[str, Any], verify_url: str, *, issuer_name: str,
           font_path: Path | None = None) -> bytes:
    """The PDF bytes of a certificate record (as CertificateService stores it)."""
    font = _font(font_path)
    credential = record["credential"]
    subject = credential["credentialSubject"]
    rating = subject["creditRating"]
    grade = rating["grade"]
    def_zh, def_en = DEFINITIONS.get(grade, ("", ""))
    buf = io.BytesIO()
    pdf = Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"企业信用评级证书 {record['number']}")
    pdf.setAuthor(issuer_name)
    pdf.setSubject(f"Credit rating certificate {record['number']}")
    width, height = A4
    pdf.setStrokeColor(colors.HexColor("#8a1c1c"))
    pdf.setLineWidth(2)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)

    def text(x: float, y: float, value: str, size: float = 11, center: bool = False,
             color: str = "#000000") -> None:
        pdf.setFont(font, size)
        pdf.setFillColor(colors.HexColor(color))
        if center:
            pdf.drawCentredString(x, y, value)
        else:
            pdf.drawString(x, y, value)

    text(width / 2, height - 40 * mm, "企业信用评级证书", 28, center=True, color="#8a1c1c")
    text(width / 2, height - 50 * mm, "Enterprise Credit Rating Certificate", 14, center=True)
    name_zh = text_of(subject.get("name"), "zh") or ""
    name_en = text_of(subject.get("name"), "en") or ""
    rows = [
        ("评级编号", "Certificate No.", record["number"]),
        ("受评企业", "Enterprise", name_zh or subject["unifiedSocialCreditCode"]),
        ("", "", name_en),
        ("统一社会信用代码", "USCC", subject["unifiedSocialCreditCode"]),
        ("评级时间", "Rating date", credential["validFrom"][:10]),
        ("有效期至", "Valid until", credential["validUntil"][:10]),
        ("评级机构", "Issued by", issuer_name),
        ("评级模型", "Model", f"{rating['model']['id']} v{rating['model']['version']}"),
    ]
    y = height - 68 * mm
    for zh, en, value in rows:
        if zh:
            text(24 * mm, y, zh, 11)
            text(24 * mm, y - 4.2 * mm, en, 8, color="#555555")
        text(72 * mm, y, value, 11)
        y -= 11 * mm if zh else 7 * mm

    y -= 4 * mm
    text(24 * mm, y, "信用等级  Credit grade", 12)
    text(80 * mm, y - 6 * mm, grade, 40, color="#8a1c1c")
    text(125 * mm, y - 2 * mm, f"综合评分 Score  {rating['score']} / 1000", 11)
    y -= 20 * mm
    text(24 * mm, y, "等级含义  Definition", 10, color="#555555")
    text(24 * mm, y - 6 * mm, def_zh, 10)
    text(24 * mm, y - 11 * mm, def_en, 8, color="#333333")

    y -= 24 * mm
    text(24 * mm, y, "评价维度  Dimensions (0-1000)", 12)
    y -= 8 * mm
    for _key, cred_key, zh, en in DIMENSIONS:
        value = int(rating["dimensions"][cred_key])
        text(24 * mm, y, f"{zh}  {en}", 10)
        pdf.setFillColor(colors.HexColor("#eeeeee"))
        pdf.rect(90 * mm, y - 1 * mm, 80 * mm, 4 * mm, stroke=0, fill=1)
        pdf.setFillColor(colors.HexColor("#8a1c1c"))
        width = 80 * mm * max(0, min(value, 1000)) / 1000
        pdf.rect(90 * mm, y - 1 * mm, width, 4 * mm, stroke=0, fill=1)
        text(173 * mm, y, str(value), 10)
        y -= 8 * mm

    qr_size = 38 * mm
    pdf.drawImage(_qr(verify_url), 24 * mm, 24 * mm, qr_size, qr_size)
    text(66 * mm, 54 * mm, "扫码验证  Scan to verify", 11)
    text(66 * mm, 48 * mm, "凭证哈希 Credential hash (SHA-256, JCS):", 8, color="#555555")
    digest = record["credential_hash"]
    text(66 * mm, 43 * mm, digest[:32], 8)
    text(66 * mm, 39 * mm, digest[32:], 8)
    text(66 * mm, 33 * mm, f"证书标识 Certificate id: {record['id']}", 7, color="#555555")
    text(66 * mm, 28 * mm, "W3C Verifiable Credential 2.0 · eddsa-jcs-2022 · "
         "ERC-721/ERC-5192", 7, color="#555555")
    if record.get("status") == "revoked":
        pdf.saveState()
        pdf.setFillColor(colors.Color(0.8, 0, 0, alpha=0.35))
        pdf.setFont(font, 60)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(35)
        pdf.drawCentredString(0, 0, "已撤销 REVOKED")
        pdf.restoreState()
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
