"""The README's screenshots exist, are desktop-sized PNGs, and each is one
that ``scripts/screenshots.py`` takes, so that running it refreshes every
picture the README shows.
"""

import ast
import pathlib
import re
import struct

TOP = pathlib.Path(__file__).resolve().parents[1]


def png_size(path):
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def taken_by_the_script():
    source = (TOP / "scripts" / "screenshots.py").read_text()
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PAGES":
            names |= {"%s.png" % row.elts[0].value for row in node.value.elts}
    names |= set(re.findall(r'"([a-z0-9-]+\.png)"', source))
    return names


def test_every_readme_screenshot_is_taken_by_the_script():
    readme = (TOP / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\((docs/_static/screenshots/[^)]+)\)", readme)
    assert len(images) >= 4
    script = taken_by_the_script()
    for image in images:
        path = TOP / image
        assert path.is_file(), image
        width, height = png_size(path)
        assert width >= 1000 and height >= 600, (image, width, height)
        assert path.name in script, "%s is not taken by scripts/screenshots.py" % image
