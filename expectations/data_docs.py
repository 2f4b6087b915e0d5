"""Great Expectations Data Docs as a static site that opens styled and working offline.

GX's pages load bootstrap, jQuery, bootstrap-table, vega, font-awesome and a logo from CDNs, and
a bureau's intranet often has no internet. The same files, at the versions GX names, come from
npm (`expectations/data_docs/package.json`, installed by `make install`); `localise` copies them
into the site and points every page at its local copy.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR_ROOT = Path(__file__).resolve().parent / "data_docs" / "node_modules"

# CDN address (prefix) -> file under node_modules. Versions follow GX's templates; popper is
# 1.16.1 because bootstrap 4.3.1 requires >= 1.14.7 (GX links 1.12.9, which it never checked).
ASSETS: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js/dist/umd/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap/dist/js/bootstrap.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap/dist/css/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "@fortawesome/fontawesome-free/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
}  # fmt: skip
# font-awesome's CSS loads its fonts from ../webfonts/ next to it
EXTRA_DIRS = ("@fortawesome/fontawesome-free/webfonts",)
LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[^\"']*logo-long\.png[^\"']*")
LOCAL_STATIC = re.compile(r"""\b(src|href)=["']((?:\.\./)*)static/""")
RESOURCE = re.compile(r"""(?:src|href)=["'](https?://[^"']+)["']""")
TAG = re.compile(r"<(?:script|link)\b[^>]*>")
# Subresource-integrity and CORS attributes GX copies from the CDN tags. On a file:// page a
# script with `crossorigin` is refused (file:// has no CORS) and bootstrap's plugins never load;
# the integrity hashes name the CDN's versions (popper 1.12.9), not the local copies.
CDN_ATTRIBUTES = re.compile(r"""\s(?:integrity|crossorigin)(?:=(?:"[^"]*"|'[^']*'|[^\s>]+))?""")


class OfflineAssetsMissing(RuntimeError):
    """The npm copies of the Data Docs' browser assets are not installed."""


def missing_assets(vendor_root: Path = VENDOR_ROOT) -> str | None:
    """Why the docs could not be made to work offline, or None when every asset is installed."""
    missing = [p for p in ASSETS.values() if not (vendor_root / p).exists()]
    if not missing:
        return None
    return (
        f"{len(missing)} Data Docs asset(s) not installed under {vendor_root} "
        f"(e.g. {missing[0]}): run `make install` (npm ci in expectations/data_docs)"
    )


def localise(site: Path, vendor_root: Path = VENDOR_ROOT) -> int:
    """Copy the vendored assets into `site/static/vendor` and rewrite every page to use them.
    Returns the number of pages rewritten; raises if an asset is missing."""
    reason = missing_assets(vendor_root)
    if reason:
        raise OfflineAssetsMissing(reason)
    vendor = site / "static" / "vendor"
    for rel in ASSETS.values():
        (vendor / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(vendor_root / rel, vendor / rel)
    for rel in EXTRA_DIRS:
        shutil.copytree(vendor_root / rel, vendor / rel, dirs_exist_ok=True)
    pages = 0
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new = LOGO.sub(_relative(site / "static" / "images" / "logo-long.png", page), text)
        # GX links nested pages to `static/...` one level too shallow (e.g. the favicon of
        # validations/…/x.html): point every local static link at the site's static folder.
        static = _relative(site / "static", page)
        new = LOCAL_STATIC.sub(lambda m, static=static: f'{m.group(1)}="{static}/', new)
        for url, rel in ASSETS.items():
            new = new.replace(f'"{url}"', f'"{_relative(vendor / rel, page)}"')
        new = TAG.sub(_without_cdn_attributes, new)
        if new != text:
            page.write_text(new, encoding="utf-8")
            pages += 1
    return pages


def _without_cdn_attributes(tag: re.Match) -> str:
    """A local script or stylesheet tag without its CDN integrity and crossorigin attributes."""
    text = tag.group(0)
    return text if RESOURCE.search(text) else CDN_ATTRIBUTES.sub("", text)


def _relative(target: Path, page: Path) -> str:
    """`target` as a link from `page` (pages sit at different depths of the site)."""
    return Path(os.path.relpath(target, page.parent)).as_posix()


def remote_resources(site: Path) -> list[str]:
    """Every script, stylesheet or image a page of the site would fetch from the internet
    (links a person may click are not resources and are ignored)."""
    found = []
    for page in site.rglob("*.html"):
        for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", page.read_text(encoding="utf-8")):
            found += [f"{page.relative_to(site)}: {u}" for u in RESOURCE.findall(tag)]
    return found


def build(context, out_dir: Path) -> Path:
    """Build the context's Data Docs, copy the site to `out_dir` and make it work offline."""
    sites = context.build_data_docs()
    source = Path(next(iter(sites.values())).removeprefix("file://")).parent
    if out_dir.exists():
        shutil.rmtree(out_dir)
    shutil.copytree(source, out_dir)
    localise(out_dir)
    return out_dir / "index.html"
