"""Helm charts against the berth binary with the requests helm makes (helm itself is not
installable here): `helm push` as raw OCI requests with Helm's media types, then `helm repo add`
and `helm pull` against the classic repository: index.yaml with Basic auth, the URL it names,
the package untarred. The bytes must equal the .tgz pushed."""
import hashlib
import io
import json
import tarfile

import requests
import yaml

from conftest import ADMIN_PASSWORD

CONFIG = "application/vnd.cncf.helm.config.v1+json"
CONTENT = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


def package(name, version, values):
    """A chart package as `helm package` lays it out."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, text in [(f"{name}/Chart.yaml", f"apiVersion: v2\nname: {name}\nversion: {version}\nappVersion: \"2.0\"\n"),
                           (f"{name}/values.yaml", values), (f"{name}/templates/cm.yaml", "kind: ConfigMap\n")]:
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def helm_push(berth, project, name, version, tgz):
    auth = berth.auth
    repo = f"{project}/{name}"
    config = json.dumps({"apiVersion": "v2", "name": name, "version": version, "appVersion": "2.0",
                         "description": f"{name} for the e2e test"}).encode()
    descriptors = []
    for media_type, blob in [(CONFIG, config), (CONTENT, tgz)]:
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        post = requests.post(f"{berth.url}/v2/{repo}/blobs/uploads/", auth=auth, timeout=30)
        assert post.status_code == 202, post.text
        location = post.headers["Location"]
        location = location if location.startswith("http") else berth.url + location
        put = requests.put(location + ("&" if "?" in location else "?") + f"digest={digest}", data=blob, auth=auth, timeout=30,
                           headers={"Content-Type": "application/octet-stream"})
        assert put.status_code == 201, put.text
        descriptors.append({"mediaType": media_type, "digest": digest, "size": len(blob)})
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": descriptors[0],
                "layers": [descriptors[1]]}
    put = requests.put(f"{berth.url}/v2/{repo}/manifests/{version}", data=json.dumps(manifest), auth=auth, timeout=30,
                       headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert put.status_code == 201, put.text


def test_helm_repo_add_and_pull_over_oci_charts(berth):
    assert requests.post(f"{berth.url}/api/v2.0/projects", auth=berth.auth, json={"project_name": "myproject"}).status_code == 201
    tgz = package("mychart", "1.0.0", "replicaCount: 3\n")
    helm_push(berth, "myproject", "mychart", "1.0.0", tgz)
    helm_push(berth, "myproject", "mychart", "1.1.0", package("mychart", "1.1.0", "replicaCount: 4\n"))

    # helm repo add myproject http://HOST/chartrepo/myproject --username admin --password ...
    repo_url = f"{berth.url}/chartrepo/myproject"
    assert requests.get(f"{repo_url}/index.yaml", timeout=30).status_code == 401
    index = requests.get(f"{repo_url}/index.yaml", auth=("admin", ADMIN_PASSWORD), timeout=30)
    assert index.status_code == 200, index.text
    entries = yaml.safe_load(index.text)["entries"]["mychart"]
    assert [e["version"] for e in entries] == ["1.1.0", "1.0.0"]
    chosen = next(e for e in entries if e["version"] == "1.0.0")
    assert chosen["digest"] == hashlib.sha256(tgz).hexdigest() and chosen["appVersion"] == "2.0"

    # helm pull myproject/mychart --version 1.0.0: the URL relative to the repository.
    pulled = requests.get(f"{repo_url}/{chosen['urls'][0]}", auth=("admin", ADMIN_PASSWORD), timeout=30)
    assert pulled.status_code == 200 and pulled.content == tgz
    with tarfile.open(fileobj=io.BytesIO(pulled.content), mode="r:gz") as tar:
        assert yaml.safe_load(tar.extractfile("mychart/Chart.yaml"))["version"] == "1.0.0"

    artifact = requests.get(f"{berth.url}/api/v2.0/projects/myproject/repositories/mychart/artifacts/1.0.0", auth=berth.auth, timeout=30).json()
    assert artifact["type"] == "CHART"
    values = requests.get(f"{berth.url}/api/v2.0/projects/myproject/repositories/mychart/artifacts/1.0.0/additions/values.yaml",
                          auth=berth.auth, timeout=30)
    assert values.status_code == 200 and values.text == "replicaCount: 3\n"


def test_classic_upload_stores_the_chart_as_the_oci_artifact(berth):
    """`POST /api/chartrepo/{project}/charts` as the helm-push plugin sends it (multipart, a
    `chart` part): the package becomes the OCI artifact helm push would make, one copy serving
    the index, the download and OCI pulls."""
    api, a = f"{berth.url}/api/v2.0", ("admin", ADMIN_PASSWORD)
    assert requests.post(f"{api}/projects", auth=a, json={"project_name": "uploads"}).status_code == 201
    tgz = package("webapp", "1.2.3+build.7", "replicas: 3\n")
    upload = f"{berth.url}/api/chartrepo/uploads/charts"
    saved = requests.post(upload, auth=a, files={"chart": ("webapp-1.2.3+build.7.tgz", tgz, "application/gzip")}, timeout=30)
    assert saved.status_code == 201 and saved.json() == {"saved": True}, saved.text

    index = yaml.safe_load(requests.get(f"{berth.url}/chartrepo/uploads/index.yaml", auth=a, timeout=30).text)
    entry = index["entries"]["webapp"][0]
    assert entry["version"] == "1.2.3+build.7" and entry["appVersion"] == "2.0"
    assert entry["digest"] == hashlib.sha256(tgz).hexdigest()
    pulled = requests.get(f"{berth.url}/chartrepo/uploads/{entry['urls'][0]}", auth=a, timeout=30)
    assert pulled.content == tgz
    # The OCI side: helm's media types, the version as the tag with `+` spelled `_`.
    manifest = requests.get(f"{berth.url}/v2/uploads/webapp/manifests/1.2.3_build.7", auth=a, timeout=30,
                            headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}).json()
    assert manifest["config"]["mediaType"] == CONFIG and manifest["layers"][0]["mediaType"] == CONTENT
    artifact = requests.get(f"{api}/projects/uploads/repositories/webapp/artifacts/1.2.3_build.7", auth=a).json()
    assert artifact["type"] == "CHART" and artifact["extra_attrs"]["name"] == "webapp"
    assert requests.get(f"{api}/projects/uploads/repositories/webapp/artifacts/1.2.3_build.7/additions/values.yaml",
                        auth=a).text == "replicas: 3\n"

    # Bad uploads are refused with a reason and store nothing.
    broken = io.BytesIO()
    with tarfile.open(fileobj=broken, mode="w:gz") as tar:
        info = tarfile.TarInfo("webapp/values.yaml")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    for files, words in [({"chart": ("x.tgz", b"not a package", "application/gzip")}, "Chart.yaml"),
                         ({"chart": ("x.tgz", broken.getvalue(), "application/gzip")}, "no <chart>/Chart.yaml"),
                         ({"prov": ("x.prov", b"sig", "text/plain")}, "no 'chart' file part")]:
        refused = requests.post(upload, auth=a, files=files, timeout=30)
        assert refused.status_code == 400 and words in refused.text, refused.text
    assert requests.post(upload, auth=a, data=b"raw", timeout=30).status_code == 400
    assert requests.post(upload, files={"chart": ("x.tgz", tgz, "application/gzip")}, timeout=30).status_code == 401
    repositories = requests.get(f"{api}/projects/uploads/repositories", auth=a).json()
    assert [r["name"] for r in repositories] == ["uploads/webapp"]
