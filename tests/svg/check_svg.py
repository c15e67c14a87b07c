#!/usr/bin/env python3
"""Checks pictures: check_svg.py xml FILE.svg ... (well-formed, an <svg> root with a viewBox and
real <text>), or check_svg.py png MIN_PERCENT FILE.png ... (the share of pixels that are not the
white background is at least MIN_PERCENT). Pure standard library: PNG is decoded here."""
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

SVG = "{http://www.w3.org/2000/svg}"


def check_xml(path):
    root = ET.parse(path).getroot()  # raises on malformed XML
    if root.tag != SVG + "svg":
        return f"{path}: root is {root.tag}, not svg"
    if not root.get("viewBox"):
        return f"{path}: no viewBox"
    if not any(t.text and t.text.strip() for t in root.iter(SVG + "text")):
        return f"{path}: no <text>"
    return None


def png_pixels(path):
    """Yields (r, g, b, a) rows of an 8-bit RGB or RGBA PNG (what rsvg-convert and Chromium write)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                raise ValueError(f"{path}: PNG depth {depth} colour type {colour} not handled")
            bpp = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # PNG filters (RFC 2083, 6.1)
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        yield [tuple(line[i:i + bpp]) + ((255,) if bpp == 3 else ()) for i in range(0, stride, bpp)]


def ink_percent(path):
    total = ink = 0
    for row in png_pixels(path):
        for r, g, b, a in row:
            total += 1
            if a > 16 and min(r, g, b) < 240:
                ink += 1
    return 100.0 * ink / total


def main():
    errors = []
    if sys.argv[1] == "xml":
        for p in sys.argv[2:]:
            try:
                e = check_xml(p)
            except ET.ParseError as ex:
                e = f"{p}: not well-formed XML: {ex}"
            if e: errors.append(e)
    elif sys.argv[1] == "png":
        least = float(sys.argv[2])
        for p in sys.argv[3:]:
            share = ink_percent(p)
            print(f"{p}: {share:.1f}% of pixels drawn")
            if share < least:
                errors.append(f"{p}: only {share:.2f}% of pixels drawn (want >= {least}%): an empty picture?")
    for e in errors: print(e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
