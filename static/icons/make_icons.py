"""Draw Groundwork's app icons (a sprout on a strip of ground) as PNG and SVG.

Run once after changing the design: `python static/icons/make_icons.py`; the output is
committed. Standard library only (zlib + struct write the PNGs), 4x4 supersampling for
smooth edges. The maskable variant fills the whole square and keeps the sprout inside the
central 80 % "safe zone" that launchers may crop to a circle.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
BRAND = (0x0B, 0x3D, 0x2E)
LEAF = (0xFF, 0xFF, 0xFF)
GROUND = (0x8F, 0xD6, 0xA8)

# Shapes in a 0..1 unit square, drawn in order (later ones on top).
STEM = (0.47, 0.36, 0.53, 0.70)            # x0, y0, x1, y1
GROUND_BAR = (0.22, 0.68, 0.78, 0.76)
LEFT_LEAF = ((0.36, 0.40), (0.14, 0.075), -35)   # centre, radii, rotation in degrees
RIGHT_LEAF = ((0.64, 0.33), (0.16, 0.08), 35)


def _inside_ellipse(x: float, y: float, leaf) -> bool:
    import math

    (cx, cy), (rx, ry), degrees = leaf
    a = math.radians(degrees)
    dx, dy = x - cx, y - cy
    u = dx * math.cos(a) + dy * math.sin(a)
    v = -dx * math.sin(a) + dy * math.cos(a)
    return (u / rx) ** 2 + (v / ry) ** 2 <= 1.0


def _inside_rect(x: float, y: float, rect) -> bool:
    x0, y0, x1, y1 = rect
    return x0 <= x <= x1 and y0 <= y <= y1


def _inside_rounded_square(x: float, y: float, radius: float) -> bool:
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def _colour_at(x: float, y: float, maskable: bool):
    """RGBA of one sample; the sprout shrinks into the safe zone on maskable icons."""
    if not maskable and not _inside_rounded_square(x, y, 0.18):
        return (0, 0, 0, 0)
    if maskable:  # map the drawing into the central 80 %
        x, y = (x - 0.1) / 0.8, (y - 0.1) / 0.8
    if _inside_rect(x, y, GROUND_BAR):
        return (*GROUND, 255)
    if (_inside_rect(x, y, STEM) or _inside_ellipse(x, y, LEFT_LEAF)
            or _inside_ellipse(x, y, RIGHT_LEAF)):
        return (*LEAF, 255)
    return (*BRAND, 255)


def render(size: int, maskable: bool = False, samples: int = 4) -> bytes:
    """The icon as raw RGBA rows, each prefixed with PNG filter byte 0."""
    rows = bytearray()
    step = 1.0 / (size * samples)
    for py in range(size):
        rows.append(0)
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(samples):
                for sx in range(samples):
                    x = (px * samples + sx + 0.5) * step
                    y = (py * samples + sy + 0.5) * step
                    r, g, b, a = _colour_at(x, y, maskable)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            n = samples * samples
            alpha = acc[3] / n
            if acc[3]:
                rows += bytes((round(acc[0] / acc[3]), round(acc[1] / acc[3]),
                               round(acc[2] / acc[3]), round(alpha)))
            else:
                rows += b"\0\0\0\0"
    return bytes(rows)


def png(size: int, rgba_rows: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rgba_rows, 9)) + chunk(b"IEND", b""))


def svg() -> str:
    def hexcolour(rgb) -> str:
        return "#%02x%02x%02x" % rgb

    def ellipse(leaf) -> str:
        (cx, cy), (rx, ry), degrees = leaf
        return (f'<ellipse cx="{cx * 100:g}" cy="{cy * 100:g}" rx="{rx * 100:g}" '
                f'ry="{ry * 100:g}" transform="rotate({degrees} {cx * 100:g} {cy * 100:g})"/>')

    x0, y0, x1, y1 = STEM
    g0, h0, g1, h1 = GROUND_BAR
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" rx="18" fill="{hexcolour(BRAND)}"/>'
        f'<g fill="{hexcolour(LEAF)}">'
        f'<rect x="{x0 * 100:g}" y="{y0 * 100:g}" width="{(x1 - x0) * 100:g}" '
        f'height="{(y1 - y0) * 100:g}"/>{ellipse(LEFT_LEAF)}{ellipse(RIGHT_LEAF)}</g>'
        f'<rect x="{g0 * 100:g}" y="{h0 * 100:g}" width="{(g1 - g0) * 100:g}" '
        f'height="{(h1 - h0) * 100:g}" fill="{hexcolour(GROUND)}"/></svg>\n'
    )


def main() -> None:
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("icon-maskable-192.png", 192, True),
                                 ("icon-maskable-512.png", 512, True)):
        (HERE / name).write_bytes(png(size, render(size, maskable)))
        print("wrote", name)
    (HERE / "icon.svg").write_text(svg())
    print("wrote icon.svg")


if __name__ == "__main__":
    main()
