"""The build needs nothing a fresh machine lacks.

Every header that Berth's own C targets include (transitively, as the toolchain's clang resolves
them) and every system library that any target of the build links, Berth's or a dependency's,
must come from the toolchain, from libc, or from a Debian package that a fresh machine of this kind
already has (fresh-machine-apt-packages.txt). A `-dev` package that only the test script installs
would otherwise hide a broken quick start, as libzstd-dev once did.
"""
import glob
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FRESH = {line.strip() for line in open(os.path.join(os.path.dirname(__file__), "fresh-machine-apt-packages.txt"))
         if line.strip() and not line.startswith("#")}
LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib", "/lib",
            "/usr/lib/aarch64-linux-gnu", "/lib/aarch64-linux-gnu"]


def clang():
    return shutil.which("clang") or pytest.skip("no clang on PATH")


def toolchain_root():
    return os.path.dirname(os.path.dirname(os.path.realpath(clang())))


def owning_packages(path):
    """Debian packages that own `path` (following the directory symlinks of a merged /usr)."""
    for candidate in (path, os.path.realpath(path)):
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            line = result.stdout.splitlines()[0]
            return {p.strip().split(":")[0] for p in line.rsplit(": ", 1)[0].split(",")}
        # merged-/usr systems register files under /lib or /usr/lib, whichever dpkg saw
        for prefix, other in (("/usr/lib/", "/lib/"), ("/lib/", "/usr/lib/")):
            if candidate.startswith(prefix):
                alt = subprocess.run(["dpkg", "-S", other + candidate[len(prefix):]], capture_output=True, text=True)
                if alt.returncode == 0:
                    line = alt.stdout.splitlines()[0]
                    return {p.strip().split(":")[0] for p in line.rsplit(": ", 1)[0].split(",")}
    return set()


def c_target_sources():
    files = []
    for target in sorted(glob.glob(os.path.join(ROOT, "Sources", "C*"))):
        files += glob.glob(os.path.join(target, "**", "*.c"), recursive=True)
        files += glob.glob(os.path.join(target, "**", "*.h"), recursive=True)
    assert files, "no C targets found under Sources/"
    return files


def headers_of(source):
    include_dirs = sorted({os.path.dirname(p) for p in glob.glob(os.path.join(ROOT, "Sources", "C*", "**", "*.h"), recursive=True)})
    args = [clang(), "-M", "-x", "c"] + [f"-I{d}" for d in include_dirs] + [source]
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode == 0, f"{os.path.relpath(source, ROOT)} does not preprocess here:\n{result.stderr}"
    deps = result.stdout.split(":", 1)[1].replace("\\\n", " ").split()
    return [os.path.normpath(d) for d in deps if os.path.normpath(d) != os.path.normpath(source)]


def foreign_headers(source, headers):
    """The headers that neither the repository, the toolchain nor a fresh machine's package has."""
    toolchain = toolchain_root()
    problems = []
    for header in headers:
        if header.startswith(ROOT + os.sep) or header.startswith(toolchain + os.sep):
            continue
        packages = owning_packages(header)
        if not packages & FRESH:
            problems.append(f"{os.path.relpath(source, ROOT)} includes {header} from {sorted(packages) or 'no package'}")
    return problems


def test_every_header_of_our_c_targets_is_on_a_fresh_machine():
    problems = []
    for source in c_target_sources():
        problems += foreign_headers(source, headers_of(source))
    assert not problems, "\n".join(problems)


def linked_libraries():
    """(where, name) for `link "name"` in module maps and `.linkedLibrary("name")` in manifests,
    over Berth's sources and every checked-out dependency."""
    found = []
    roots = [os.path.join(ROOT, "Sources"), os.path.join(ROOT, "Package.swift")]
    checkouts = os.path.join(ROOT, ".build", "checkouts")
    if os.path.isdir(checkouts):
        roots.append(checkouts)
    for root in roots:
        paths = [root] if os.path.isfile(root) else glob.glob(os.path.join(root, "**", "*"), recursive=True)
        for path in paths:
            name = os.path.basename(path)
            if name.endswith(".modulemap"):
                # (name, platforms): module maps have no platform conditions
                pattern = r'^\s*link\s+"([^"]+)"()'
            elif name == "Package.swift" or re.match(r"Package@swift-.*\.swift$", name):
                pattern = r'\.linkedLibrary\(\s*"([^"]+)"\s*(?:,\s*\.when\(platforms:\s*\[([^\]]*)\])?'
            else:
                continue
            if "/Tests/" in path or "/Benchmarks/" in path or "/Examples/" in path:
                continue
            text = open(path, errors="replace").read()
            for lib, platforms in re.findall(pattern, text, re.M):
                if platforms and ".linux" not in platforms:
                    continue  # e.g. zlib on Windows only
                found.append((os.path.relpath(path, ROOT), lib))
    return found


def dlopened_libraries():
    found = []
    for source in c_target_sources():
        for soname in re.findall(r'dlopen\(\s*"([^"]+)"', open(source).read()):
            found.append((os.path.relpath(source, ROOT), soname))
    return found


# Linked by the Swift runtime or Foundation on every Linux; they come with libc6 or the toolchain.
LIBC_LIBRARIES = {"c", "m", "dl", "pthread", "rt", "util", "resolv", "stdc++", "atomic"}


def test_every_linked_library_is_on_a_fresh_machine():
    toolchain = toolchain_root()
    problems = []
    checked = 0
    for where, lib in linked_libraries():
        if lib in LIBC_LIBRARIES:
            continue
        checked += 1
        if glob.glob(os.path.join(toolchain, "lib", "**", f"lib{lib}.so"), recursive=True):
            continue
        candidates = [os.path.join(d, f"lib{lib}.so") for d in LIB_DIRS if os.path.exists(os.path.join(d, f"lib{lib}.so"))]
        owners = set().union(*(owning_packages(c) for c in candidates)) if candidates else set()
        if not owners & FRESH:
            problems.append(f"{where} links {lib} (lib{lib}.so from {sorted(owners) or 'nowhere on this machine'})")
    for where, soname in dlopened_libraries():
        checked += 1
        paths = [os.path.join(d, soname) for d in LIB_DIRS if os.path.exists(os.path.join(d, soname))]
        owners = set().union(*(owning_packages(p) for p in paths)) if paths else set()
        if not owners & FRESH:
            problems.append(f"{where} loads {soname} from {sorted(owners) or 'nowhere on this machine'}")
    assert checked > 0, "found no linked library at all: the scan is broken"
    assert not problems, "\n".join(problems)


def test_the_check_reports_what_a_fresh_machine_lacks(tmp_path):
    """The check can fail: a file of a package the test script installed (skopeo), or of none, is
    reported; zlib's header, which a fresh machine has, is not."""
    source = os.path.join(ROOT, "Sources", "CScanZstd", "zstd_loader.c")
    assert "zlib1g-dev" in owning_packages("/usr/include/zlib.h")
    assert foreign_headers(source, ["/usr/include/zlib.h"]) == []
    reported = foreign_headers(source, [shutil.which("skopeo"), str(tmp_path / "nothing.h")])
    assert len(reported) == 2 and "skopeo" in reported[0] and "no package" in reported[1]
