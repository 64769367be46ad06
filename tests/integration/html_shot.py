#!/usr/bin/env python3
"""html_shot.py - checks that a `kenchi eval` HTML report really draws its
plots: renders it with Debian's headless chromium, decodes the screenshot
(a minimal PNG decoder of our own: 8-bit greyscale, RGB, grey+alpha and
RGBA, non-interlaced, all five filter types) and counts the pixels of each
detector colour. The colours are read from the report's
<meta name="kenchi-palette" content="#rrggbb,...">.

Command line:
    html_shot.py REPORT.html OUT.png [--min N] [--detectors K]
                 [--sample-from TEST_BINARY]
renders REPORT.html to OUT.png, prints what it found, and exits 0 when the
first detector's colour covers at least N pixels (default 400; a 2-pixel
curve across a plot is well over that, a legend swatch is 42) and the image
is not blank; 1 when it is not so; 77 ("skip: chromium not installed") when
there is no chromium; 2 on a usage error. --detectors K also requires
pixels (N / 4) of each of the first K palette colours. --sample-from runs
the unit test binary test_eval_report (case test_html) with
KN_REPORT_SAMPLE=REPORT.html first, so the sample report is made fresh.

`html_shot.py --self-test` only round-trips images of every colour type
through every filter type (encode_png() -> decode_png()); the checks run it
first as well.

As a library: screenshot(), decode_png(), encode_png(), read_palette(),
histogram(), count_colours(), check().
Python 3 standard library only.
"""
import argparse
import collections
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

SKIP = 77
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Colour type -> channels (8-bit only).
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


class PngError(Exception):
    pass


def find_chromium():
    """The chromium binary, or None."""
    for name in ("chromium", "/usr/bin/chromium"):
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(html_path, png_path, size=(1280, 2400), timeout=180):
    """Renders html_path into png_path with headless chromium.
    Returns False when chromium is not installed; raises on failure."""
    chromium = find_chromium()
    if not chromium:
        return False
    url = "file://" + os.path.abspath(html_path)
    with tempfile.TemporaryDirectory(prefix="kn-html-shot-") as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--hide-scrollbars", "--user-data-dir=" + profile,
               "--window-size=%d,%d" % size,
               "--screenshot=" + os.path.abspath(png_path), url]
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, check=False)
    if proc.returncode != 0 or not os.path.exists(png_path):
        raise RuntimeError("chromium failed (exit %d): %s" % (
            proc.returncode, proc.stderr.decode("utf-8", "replace")[-2000:]))
    return True


def _chunks(data):
    """(type, body) of each chunk, CRCs checked."""
    pos = len(PNG_MAGIC)
    while pos + 12 <= len(data):
        length, = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            raise PngError("chunk %r cut short" % ctype)
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xffffffff != crc:
            raise PngError("bad CRC in chunk %r" % ctype)
        yield ctype, body
        pos += 12 + length
        if ctype == b"IEND":
            return
    raise PngError("no IEND chunk")


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(ftype, line, prev, bpp):
    """Undoes one scanline's filter in place (line, prev: bytearrays)."""
    n = len(line)
    if ftype == 0:
        return
    if ftype == 1:                      # Sub
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 0xff
    elif ftype == 2:                    # Up
        for i in range(n):
            line[i] = (line[i] + prev[i]) & 0xff
    elif ftype == 3:                    # Average
        for i in range(n):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xff
    elif ftype == 4:                    # Paeth
        for i in range(n):
            if i >= bpp:
                a, c = line[i - bpp], prev[i - bpp]
            else:
                a = c = 0
            line[i] = (line[i] + _paeth(a, prev[i], c)) & 0xff
    else:
        raise PngError("unknown filter type %d" % ftype)


def decode_png(path):
    """Returns (width, height, channels, pixels): pixels is a bytes object
    of height * width * channels samples, rows top to bottom."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(PNG_MAGIC):
        raise PngError("%s: not a PNG file" % path)
    header, idat = None, []
    for ctype, body in _chunks(data):
        if ctype == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
    if not header:
        raise PngError("%s: no IHDR" % path)
    width, height, depth, ctype, _, _, interlace = header
    if depth != 8 or ctype not in CHANNELS or interlace != 0:
        raise PngError("%s: only 8-bit non-interlaced grey/RGB(A) is supported "
                       "(depth %d, colour type %d, interlace %d)"
                       % (path, depth, ctype, interlace))
    bpp = CHANNELS[ctype]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    if len(raw) < height * (stride + 1):
        raise PngError("%s: image data cut short" % path)
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = bytearray(raw[start + 1:start + 1 + stride])
        _unfilter(raw[start], line, prev, bpp)
        out += line
        prev = line
    return width, height, bpp, bytes(out)


def _filter_line(ftype, line, prev, bpp):
    """Applies a PNG filter to one scanline (the encoder side, for selftest)."""
    out = bytearray(len(line))
    for i, x in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) >> 1, _paeth(a, b, c))[ftype]
        out[i] = (x - pred) & 0xff
    return out


def encode_png(width, height, ctype, pixels, filters=(0, 1, 2, 3, 4)):
    """A PNG of raw 8-bit samples, row y filtered with filters[y % len]."""
    bpp = CHANNELS[ctype]
    stride = width * bpp
    raw, prev = bytearray(), bytearray(stride)
    for y in range(height):
        line = bytearray(pixels[y * stride:(y + 1) * stride])
        ftype = filters[y % len(filters)]
        raw.append(ftype)
        raw += _filter_line(ftype, line, prev, bpp)
        prev = line

    def chunk(ctype_, body):
        return (struct.pack(">I", len(body)) + ctype_ + body +
                struct.pack(">I", zlib.crc32(ctype_ + body) & 0xffffffff))
    return (PNG_MAGIC + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, ctype,
                                                   0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b""))


def selftest():
    """Round-trips pseudo-random images of every colour type through every
    filter type; returns the number of failures (printed)."""
    import random
    rng = random.Random(7)
    fails = 0
    with tempfile.TemporaryDirectory(prefix="kn-png-") as tmp:
        for ctype, bpp in sorted(CHANNELS.items()):
            w, h = 13, 11
            pixels = bytes(rng.randrange(256) for _ in range(w * h * bpp))
            path = os.path.join(tmp, "t%d.png" % ctype)
            with open(path, "wb") as f:
                f.write(encode_png(w, h, ctype, pixels))
            got = decode_png(path)
            if got != (w, h, bpp, pixels):
                print("FAIL: PNG colour type %d does not round-trip" % ctype)
                fails += 1
        bad = os.path.join(tmp, "bad.png")
        with open(bad, "wb") as f:
            f.write(encode_png(2, 2, 2, bytes(12))[:-5])
        try:
            decode_png(bad)
            print("FAIL: a truncated PNG was accepted")
            fails += 1
        except PngError:
            pass
    print("PNG decoder self-test: %s" % ("FAIL" if fails else "ok"))
    return fails


def read_palette(html_text):
    """The colours of <meta name="kenchi-palette" content="...">, as (r, g, b)."""
    key = 'name="kenchi-palette" content="'
    at = html_text.find(key)
    if at < 0:
        return []
    end = html_text.find('"', at + len(key))
    colours = []
    for item in html_text[at + len(key):end].split(","):
        item = item.strip().lstrip("#")
        if len(item) == 6:
            colours.append(tuple(int(item[i:i + 2], 16) for i in (0, 2, 4)))
    return colours


def histogram(width, height, bpp, pixels):
    """Counter of (r, g, b) over every pixel (alpha ignored)."""
    if bpp >= 3:
        return collections.Counter(zip(pixels[0::bpp], pixels[1::bpp], pixels[2::bpp]))
    grey = pixels[0::bpp]
    return collections.Counter(zip(grey, grey, grey))


def count_colours(hist, colours, tolerance=24):
    """Pixels within `tolerance` (per channel) of each colour."""
    counts = [0] * len(colours)
    for rgb, n in hist.items():
        for k, c in enumerate(colours):
            if all(abs(rgb[i] - c[i]) <= tolerance for i in range(3)):
                counts[k] += n
                break
    return counts


def check(html_path, png_path, min_pixels=400, detectors=1, size=(1280, 2400),
          any_colour=False):
    """Renders and checks; returns the exit code (prints what it found).
    any_colour: the most drawn detector colour must reach min_pixels, not
    the first one's (detectors whose curves coincide hide each other)."""
    with open(html_path, encoding="utf-8", errors="replace") as f:
        palette = read_palette(f.read())
    if not palette:
        print("FAIL: %s has no <meta name=\"kenchi-palette\">" % html_path)
        return 1
    if not screenshot(html_path, png_path, size=size):
        print("skip: chromium not installed")
        return SKIP
    width, height, bpp, pixels = decode_png(png_path)
    hist = histogram(width, height, bpp, pixels)
    counts = count_colours(hist, palette)
    white = hist.get((255, 255, 255), 0)
    total = width * height
    print("%s: %dx%d, %d channels, %d colours, %.1f%% white"
          % (png_path, width, height, bpp, len(hist), 100.0 * white / total))
    for c, n in zip(palette, counts):
        print("  #%02x%02x%02x: %d pixels" % (c + (n,)))
    ok = True
    if len(hist) < 8 or total - white < total // 100:
        print("FAIL: the image is blank")
        ok = False
    if any_colour:
        counts = sorted(counts, reverse=True)
    if counts[0] < min_pixels:
        print("FAIL: %d pixels of the first detector colour, want >= %d"
              % (counts[0], min_pixels))
        ok = False
    for k in range(1, min(detectors, len(palette))):
        if counts[k] < min_pixels // 4:
            print("FAIL: %d pixels of detector %d's colour, want >= %d"
                  % (counts[k], k + 1, min_pixels // 4))
            ok = False
    print("PASS: the plots are drawn" if ok else "FAIL: %s" % html_path)
    return 0 if ok else 1


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    if argv == ["--self-test"]:
        return 1 if selftest() else 0
    ap.add_argument("html")
    ap.add_argument("png")
    ap.add_argument("--min", type=int, default=400,
                    help="pixels of the first detector colour required")
    ap.add_argument("--detectors", type=int, default=1,
                    help="palette colours that must appear (N/4 pixels each)")
    ap.add_argument("--sample-from", metavar="TEST_BINARY",
                    help="write REPORT.html with this test_eval_report first")
    args = ap.parse_args(argv)
    if selftest():
        return 1
    if args.sample_from:
        if not find_chromium():   # do not bother making the sample
            print("skip: chromium not installed")
            return SKIP
        env = dict(os.environ, KN_REPORT_SAMPLE=os.path.abspath(args.html))
        proc = subprocess.run([args.sample_from, "test_html"], env=env,
                              stdin=subprocess.DEVNULL, check=False)
        if proc.returncode != 0:
            print("FAIL: %s test_html exited %d" % (args.sample_from, proc.returncode))
            return 1
    if not os.path.isfile(args.html):
        print("%s: no such file" % args.html)
        return 2
    try:
        return check(args.html, args.png, args.min, args.detectors)
    except (PngError, RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        print("FAIL: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
