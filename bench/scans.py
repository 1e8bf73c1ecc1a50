"""Scanned documents as the benchmarks upload them, and the inspection probe.

``write_scan_pdf`` writes a real PDF of a given size to a file without holding it in
memory: one page per noise image, Flate-compressed (as a scanner compresses; noise does not
shrink, so the file is as large as asked). Its compressed data holds ``/JS`` or ``<html>``
now and then, as real scans do: the inspection must not mind.
"""

from __future__ import annotations

import os
import statistics
import time
import zlib

MB = 1024 * 1024
_WIDTH = 2048


def write_scan_pdf(out, size: int, *, page_bytes: int = 2 * MB) -> int:
    """Write a PDF of about ``size`` bytes (at least one page) to ``out``; returns pages."""
    start = out.tell()
    offsets: dict[int, int] = {}

    def put(number: int, body: bytes, data: bytes | None = None) -> None:
        offsets[number] = out.tell() - start
        out.write(b"%d 0 obj\n" % number + body)
        if data is not None:
            out.write(b"\nstream\n")
            out.write(data)
            out.write(b"\nendstream")
        out.write(b"\nendobj\n")

    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    put(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    height = max(1, page_bytes // _WIDTH)
    kids, number = [], 3
    while not kids or out.tell() - start < size - page_bytes // 2:
        image = zlib.compress(os.urandom(_WIDTH * height), 1)
        put(number, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace "
            b"/DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>"
            % (_WIDTH, height, len(image)), image)
        put(number + 1, b"<< /Length %d >>" % len(content), content)
        put(number + 2, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources "
            b"<< /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>" % (number, number + 1))
        kids.append(number + 2)
        number += 3
    put(2, b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    xref = out.tell() - start
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % number)
    for n in range(1, number):
        out.write(b"%010d 00000 n \n" % offsets[n])
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (number, xref))
    return len(kids)


def probe_inspection(args, *, emit, sampler_class):
    """Time the upload inspection (hash, scan, qpdf's walk of every object) of a scanned
    PDF of ``args.scan_mb`` MB, spooled as Django spools a large upload: median of runs."""
    from django.conf import settings
    from django.core.files.uploadedfile import TemporaryUploadedFile

    from documents.services import inspect_upload

    size = args.scan_mb * MB
    upload = TemporaryUploadedFile("scan.pdf", "application/pdf", 0, None)
    try:
        pages = write_scan_pdf(upload.file, size)
        upload.size = upload.file.tell()
        upload.file.flush()
        allowed = list(settings.DOCUMENTS_ALLOWED_TYPES)
        inspect_upload(upload, max_bytes=upload.size, allowed=allowed)  # warm: imports, qpdf
        samples, peaks = [], []
        for _ in range(args.runs):
            sampler = sampler_class()
            sampler.start()
            before = sampler.peak
            started = time.perf_counter()
            inspect_upload(upload, max_bytes=upload.size, allowed=allowed)
            samples.append(time.perf_counter() - started)
            peaks.append(sampler.stop() - before)
    finally:
        upload.close()
    median = round(statistics.median(samples) * 1000, 1)
    emit("inspect_scan_pdf_ms", median, "ms", "<= 2000", median <= 2000,
         bytes=upload.size, pages=pages, runs=len(samples),
         slowest_ms=round(max(samples) * 1000, 1),
         rss_growth_mb=round(max(peaks), 1))

