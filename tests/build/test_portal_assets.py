"""The portal ships inside the binary (embedded at build time, see Plugins/EmbedPortalAssets): its
files stay small (issue 11: under 1 MB) and work offline. Tests/HarborAPITests/PortalAssetTests
checks that the binary serves each of them byte for byte."""
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ASSETS = os.path.join(ROOT, "Sources", "Portal", "Assets")


def test_the_assets_stay_under_a_megabyte():
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(ASSETS) for f in files)
    assert total < 1_000_000, total


def test_no_asset_reaches_for_another_server():
    """Everything works offline: no CDN, no font or script from elsewhere."""
    for directory, _, files in os.walk(ASSETS):
        for name in files:
            text = open(os.path.join(directory, name), encoding="utf-8").read()
            for marker in ('src="http', 'href="http', "@import url(http", "cdn.", "fonts.googleapis"):
                assert marker not in text, f"{name} refers to {marker}"
