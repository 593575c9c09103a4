"""Kubernetes deployment of Berth (docs/kubernetes.md): the kustomize manifests under
deploy/kustomize and the Helm chart under deploy/helm/berth.

No cluster and no helm here: `kubectl kustomize` builds the manifests offline, the chart is
rendered by tests/build/helm_render.py (a renderer for the subset of Go templates the chart
uses), and every object is checked against Kubernetes' own OpenAPI schemas with
kubernetes-validate in strict mode (unknown fields are errors)."""
import base64
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import kubernetes_validate
import pytest
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helm_render  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHART = os.path.join(ROOT, "deploy", "helm", "berth")
KUSTOMIZE = os.path.join(ROOT, "deploy", "kustomize")
KUBERNETES_VERSION = "1.30.0"

# The seed's command, with the chart's name changed:
#   helm install harbor berth/berth -n harbor --set expose.type=ingress ...
SEED_SETS = [
    "expose.type=ingress",
    "expose.ingress.hosts.core=harbor.example.com",
    "externalURL=https://harbor.example.com",
    "persistence.persistentVolumeClaim.registry.size=100Gi",
    "harborAdminPassword=Harbor12345",
]

S3_EXTERNAL_SETS = [
    "persistence.imageChartStorage.type=s3",
    "persistence.imageChartStorage.s3.bucket=berth-blobs",
    "persistence.imageChartStorage.s3.region=eu-west-1",
    "persistence.imageChartStorage.s3.regionendpoint=http://minio.minio:9000",
    "persistence.imageChartStorage.s3.rootdirectory=/registry",
    "persistence.imageChartStorage.s3.accesskey=AKIAEXAMPLE",
    "persistence.imageChartStorage.s3.secretkey=s3cr3t/key",
    "persistence.imageChartStorage.s3.encrypt=true",
    "database.type=external",
    "database.external.host=db.example.com",
    "database.external.port=5433",
    "database.external.username=berth",
    "database.external.password=p@ss:w/rd",
    "database.external.coreDatabase=registry",
    "replicas=3",
]

BERTH_ENV = {"BERTH_LISTEN", "BERTH_DATA_DIR", "BERTH_EXTERNAL_URL", "BERTH_LOG_LEVEL", "BERTH_METRICS_ENABLED",
             "BERTH_SECRET_KEY", "BERTH_DATABASE_URL", "BERTH_STORAGE_DRIVER"}
S3_ENV = {"BERTH_STORAGE_S3_BUCKET", "BERTH_STORAGE_S3_REGION", "BERTH_STORAGE_S3_ENDPOINT",
          "BERTH_STORAGE_S3_ROOTDIRECTORY", "BERTH_STORAGE_S3_CHUNKSIZE", "BERTH_STORAGE_S3_ENCRYPT",
          "BERTH_STORAGE_S3_REDIRECT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


# ---------------------------------------------------------------------------------------------
# helpers


def validate_all(documents):
    """Every object against the Kubernetes schema, strictly; a kind it does not know is a failure."""
    assert documents, "nothing to validate"
    for document in documents:
        name = f"{document.get('kind')}/{document.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            pytest.fail(f"{name} does not validate against Kubernetes {KUBERNETES_VERSION}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            pytest.fail(f"{name}: {error.message}")


SERVICE_MONITOR_API = "monitoring.coreos.com/v1"


def builtin_kinds(documents):
    """The objects of Kubernetes' own APIs: kubernetes-validate has no schema for the Prometheus
    operator's ServiceMonitor (a CRD), whose fields the tests check one by one instead."""
    return [d for d in documents if d.get("apiVersion") != SERVICE_MONITOR_API]


def one(documents, kind, name=None):
    found = [d for d in documents if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {[d['metadata']['name'] for d in found]}"
    return found[0]


def berth_container(workload):
    return next(c for c in workload["spec"]["template"]["spec"]["containers"] if c["name"] == "berth")


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


TOKEN_KEY_PATH = "/var/lib/berth/token-signing-key.pem"


def pod_volumes(workload):
    return {v["name"]: v for v in workload["spec"]["template"]["spec"].get("volumes", [])}


def check_no_token_key(workload):
    """Berth keeps the token signing key in the database, sealed with BERTH_SECRET_KEY: nothing to mount."""
    mounts = {m["mountPath"] for m in berth_container(workload)["volumeMounts"]}
    assert TOKEN_KEY_PATH not in mounts
    assert "token-signing-key" not in yaml.safe_dump(workload["spec"]["template"]["spec"]), \
        "no token key volume without a key the user brings"


def check_token_key_mounted(workload, secret_name, key):
    """A key the user brings is mounted where Berth looks before the database."""
    mounts = {m["mountPath"]: m for m in berth_container(workload)["volumeMounts"]}
    mount = mounts[TOKEN_KEY_PATH]
    assert mount["subPath"] == "token-signing-key.pem" and mount["readOnly"] is True
    volume = pod_volumes(workload)[mount["name"]]
    assert volume["secret"]["secretName"] == secret_name
    assert volume["secret"]["items"] == [{"key": key, "path": "token-signing-key.pem"}]


def secret_data(secret):
    return {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}


def check_probes(container):
    assert container["livenessProbe"]["httpGet"] == {"path": "/api/v2.0/ping", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/api/v2.0/health", "port": "http"}
    assert {"name": "http", "containerPort": 5000, "protocol": "TCP"} in container["ports"]
    assert container["command"] == ["/usr/local/bin/berth"] and container["args"] == ["serve"]


def check_pod(workload):
    pod = workload["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 60
    assert pod["securityContext"]["runAsUser"] == 10000 and pod["securityContext"]["runAsNonRoot"] is True
    check_probes(berth_container(workload))


def render(sets=(), **options):
    options.setdefault("release_name", "harbor")
    options.setdefault("namespace", "harbor")
    return helm_render.render_chart(CHART, sets, **options)


def merged_values(sets=()):
    return helm_render.chart_values(CHART, sets)


def schema():
    with open(os.path.join(CHART, "values.schema.json"), encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------
# kustomize


@pytest.fixture(scope="module")
def kubectl():
    path = shutil.which("kubectl")
    if not path:
        pytest.skip("kubectl is not installed: `kubectl kustomize` builds the manifests")
    return path


def kustomize(kubectl, directory):
    result = subprocess.run([kubectl, "kustomize", os.path.join(KUSTOMIZE, directory)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def test_kustomize_base_is_berth_alone_on_sqlite(kubectl):
    documents = kustomize(kubectl, "base")
    validate_all(documents)
    statefulset = one(documents, "StatefulSet", "berth")
    assert statefulset["spec"]["replicas"] == 1
    check_pod(statefulset)
    container = berth_container(statefulset)
    env = env_of(container)
    assert env["BERTH_DATABASE_URL"]["value"] == "sqlite:///var/lib/berth/berth.db"
    assert env["BERTH_STORAGE_DRIVER"]["value"] == "filesystem"
    assert env["BERTH_STORAGE_FILESYSTEM_ROOT"]["value"] == "/var/lib/berth/storage"
    assert {"name": "data", "mountPath": "/var/lib/berth"} in container["volumeMounts"]
    claim = statefulset["spec"]["volumeClaimTemplates"][0]
    assert claim["metadata"]["name"] == "data" and claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    # the generated Secret and ConfigMap are what the pod reads (kustomize's hashed names)
    secret = next(d for d in documents if d["kind"] == "Secret" and d["metadata"]["name"].startswith("berth-admin-"))
    config = next(d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("berth-config-"))
    sources = [next(iter(s.values()))["name"] for s in container["envFrom"]]
    assert secret["metadata"]["name"] in sources and config["metadata"]["name"] in sources
    assert config["data"]["BERTH_LISTEN"] == "0.0.0.0:5000" and config["data"]["BERTH_DATA_DIR"] == "/var/lib/berth"
    service = one(documents, "Service", "berth")
    assert service["spec"]["selector"] == statefulset["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_kustomize_postgres_overlay_scales_out_on_postgres_and_s3(kubectl):
    documents = kustomize(kubectl, os.path.join("overlays", "postgres"))
    validate_all(documents)
    assert not [d for d in documents if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "berth"], \
        "the base's SQLite StatefulSet must be replaced"
    deployment = one(documents, "Deployment", "berth")
    assert deployment["spec"]["replicas"] == 2
    check_pod(deployment)
    container = berth_container(deployment)
    env = env_of(container)
    assert env["BERTH_STORAGE_DRIVER"]["value"] == "s3"
    # the database password is only referenced, never written into the pod spec
    assert env["BERTH_DATABASE_URL"]["value"] == "postgres://berth:$(DATABASE_PASSWORD)@berth-postgres:5432/berth"
    names = list(env)
    assert names.index("DATABASE_PASSWORD") < names.index("BERTH_DATABASE_URL"), "$(VAR) needs VAR defined before"
    postgres_secret = next(d for d in documents if d["kind"] == "Secret" and d["metadata"]["name"].startswith("berth-postgres-"))
    assert env["DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": postgres_secret["metadata"]["name"],
                                                                     "key": "POSTGRES_PASSWORD"}
    # S3 settings come from a Secret through envFrom
    s3 = next(d for d in documents if d["kind"] == "Secret" and d["metadata"]["name"].startswith("berth-s3-"))
    assert {"secretRef": {"name": s3["metadata"]["name"]}} in container["envFrom"]
    assert {"BERTH_STORAGE_S3_BUCKET", "BERTH_STORAGE_S3_REGION", "BERTH_STORAGE_S3_REDIRECT"} <= set(s3["data"])
    # replicas share the secret key; the token signing key is in the database, sealed with it
    assert env["BERTH_SECRET_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "berth-keys", "key": "BERTH_SECRET_KEY"}
    assert pod_volumes(deployment) == {"data": {"name": "data", "emptyDir": {}}}
    check_no_token_key(deployment)
    with open(os.path.join(KUSTOMIZE, "overlays", "postgres", "kustomization.yaml"), encoding="utf-8") as f:
        instructions = f.read()
    assert "BERTH_SECRET_KEY" in instructions and "token-signing-key" not in instructions and "genrsa" not in instructions
    # the internal PostgreSQL
    database = one(documents, "StatefulSet", "berth-postgres")
    postgres = database["spec"]["template"]["spec"]["containers"][0]
    assert postgres["image"] == "postgres:16"
    assert database["spec"]["serviceName"] == "berth-postgres"
    assert one(documents, "Service", "berth-postgres")["spec"]["clusterIP"] == "None"
    service = one(documents, "Service", "berth")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["selector"] != database["spec"]["selector"]["matchLabels"]


# ---------------------------------------------------------------------------------------------
# the chart: renders that validate, with what each case implies


def test_chart_metadata():
    chart = helm_render.load_yaml(os.path.join(CHART, "Chart.yaml"))
    assert chart["apiVersion"] == "v2" and chart["name"] == "berth"
    assert chart["version"] == "0.1.0" and chart["appVersion"] == "0.1.0"


@pytest.mark.parametrize("file_numbers_as_float", [True, False], ids=["helm-float-values", "helm-3.18.0-int-values"])
def test_chart_default_values(file_numbers_as_float):
    """Harbor's defaults: an Ingress, the internal PostgreSQL, filesystem storage, one replica.
    Helm reads numbers of values files as float64 (3.18.0 read them as int64): both render."""
    rendered = render(file_numbers_as_float=file_numbers_as_float)
    documents = rendered.manifests()
    validate_all(documents)
    deployment = one(documents, "Deployment", "harbor-berth")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}, "a ReadWriteOnce volume is never mounted twice"
    check_pod(deployment)
    container = berth_container(deployment)
    env = env_of(container)
    assert BERTH_ENV <= set(env)
    assert "BERTH_ADMIN_PASSWORD" not in env, "no password given: Berth generates and prints one"
    assert env["BERTH_STORAGE_DRIVER"]["value"] == "filesystem"
    assert env["BERTH_STORAGE_FILESYSTEM_ROOT"]["value"] == "/var/lib/berth/storage"
    assert env["BERTH_LOG_LEVEL"]["value"] == "info" and env["BERTH_METRICS_ENABLED"]["value"] == "false"
    assert not S3_ENV & set(env)
    # secrets come from the release's Secret, never from plain values
    secret = one(documents, "Secret", "harbor-berth")
    data = secret_data(secret)
    for name in ("BERTH_SECRET_KEY", "BERTH_DATABASE_URL"):
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": "harbor-berth", "key": name}
    assert len(data["BERTH_SECRET_KEY"]) >= 16
    assert data["BERTH_DATABASE_URL"] == f"postgres://berth:{data['POSTGRES_PASSWORD']}@harbor-berth-database:5432/berth"
    # no token signing key is generated or mounted: Berth creates it in the database
    assert "TOKEN_SIGNING_KEY" not in data
    check_no_token_key(deployment)
    # the internal database
    database = one(documents, "StatefulSet", "harbor-berth-database")
    postgres = database["spec"]["template"]["spec"]["containers"][0]
    assert postgres["image"] == "postgres:16"
    assert env_of(postgres)["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "harbor-berth",
                                                                                  "key": "POSTGRES_PASSWORD"}
    assert database["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert one(documents, "Service", "harbor-berth-database")["spec"]["clusterIP"] == "None"
    # the registry volume and the Ingress
    pvc = one(documents, "PersistentVolumeClaim", "harbor-berth-registry")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    ingress = one(documents, "Ingress", "harbor-berth")
    assert ingress["spec"]["rules"][0]["host"] == "core.harbor.domain"
    assert ingress["spec"]["tls"] == [{"hosts": ["core.harbor.domain"]}], "certSource auto: the controller's certificate"
    assert "ingressClassName" not in ingress["spec"]
    assert one(documents, "Service", "harbor-berth")["spec"]["type"] == "ClusterIP"
    assert "admin" in rendered.notes and "generated password" in rendered.notes


def test_chart_seed_command():
    """helm install harbor berth/berth -n harbor --set expose.type=ingress ... (the seed's values)."""
    rendered = render(SEED_SETS)
    documents = rendered.manifests()
    validate_all(documents)
    ingress = one(documents, "Ingress", "harbor-berth")
    rule = ingress["spec"]["rules"][0]
    assert rule["host"] == "harbor.example.com"
    backend = rule["http"]["paths"][0]
    assert backend["path"] == "/" and backend["pathType"] == "Prefix"
    assert backend["backend"]["service"] == {"name": "harbor-berth", "port": {"name": "http"}}
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "0"
    pvc = one(documents, "PersistentVolumeClaim", "harbor-berth-registry")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "100Gi"
    deployment = one(documents, "Deployment", "harbor-berth")
    env = env_of(berth_container(deployment))
    assert env["BERTH_EXTERNAL_URL"]["value"] == "https://harbor.example.com"
    assert env["BERTH_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "harbor-berth", "key": "BERTH_ADMIN_PASSWORD"}
    assert secret_data(one(documents, "Secret", "harbor-berth"))["BERTH_ADMIN_PASSWORD"] == "Harbor12345"
    assert "Harbor12345" not in yaml.safe_dump(deployment)
    one(documents, "StatefulSet", "harbor-berth-database")
    assert "password you set" in rendered.notes


def test_chart_s3_external_database_three_replicas():
    documents = render(S3_EXTERNAL_SETS).manifests()
    validate_all(documents)
    deployment = one(documents, "Deployment", "harbor-berth")
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["strategy"] == {"type": "RollingUpdate"}
    check_pod(deployment)
    container = berth_container(deployment)
    env = env_of(container)
    assert BERTH_ENV | S3_ENV <= set(env)
    assert "BERTH_STORAGE_FILESYSTEM_ROOT" not in env
    values = {name: e.get("value") for name, e in env.items()}
    assert values["BERTH_STORAGE_DRIVER"] == "s3"
    assert values["BERTH_STORAGE_S3_BUCKET"] == "berth-blobs" and values["BERTH_STORAGE_S3_REGION"] == "eu-west-1"
    assert values["BERTH_STORAGE_S3_ENDPOINT"] == "http://minio.minio:9000"
    assert values["BERTH_STORAGE_S3_ROOTDIRECTORY"] == "/registry"
    assert values["BERTH_STORAGE_S3_CHUNKSIZE"] == "5242880"
    assert values["BERTH_STORAGE_S3_ENCRYPT"] == "true"
    assert values["BERTH_STORAGE_S3_REDIRECT"] == "false", "disableredirect defaults to true"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "BERTH_DATABASE_URL", "BERTH_SECRET_KEY"):
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": "harbor-berth", "key": name}
    data = secret_data(one(documents, "Secret", "harbor-berth"))
    assert data["AWS_ACCESS_KEY_ID"] == "AKIAEXAMPLE" and data["AWS_SECRET_ACCESS_KEY"] == "s3cr3t/key"
    # the password is escaped for the URL (Berth's URL parser decodes it)
    assert data["BERTH_DATABASE_URL"] == "postgres://berth:p%40ss%3Aw%2Frd@db.example.com:5433/registry"
    assert "POSTGRES_PASSWORD" not in data
    # nothing on a pod's disk outlives it: no registry claim, no database of our own
    assert not [d for d in documents if d["kind"] in ("PersistentVolumeClaim", "StatefulSet")]
    # every replica reads the token signing key from the shared database, opened with the one
    # BERTH_SECRET_KEY of the release's Secret: no key volume
    assert pod_volumes(deployment) == {"data": {"name": "data", "emptyDir": {}}}
    assert "TOKEN_SIGNING_KEY" not in data
    check_no_token_key(deployment)
    spec = yaml.safe_dump(deployment)
    for secret in ("p@ss", "s3cr3t", "AKIAEXAMPLE"):
        assert secret not in spec


def test_chart_harbor_existing_secrets():
    """Harbor's existingSecret keys: the values stay in the user's Secrets."""
    documents = render(S3_EXTERNAL_SETS + [
        "persistence.imageChartStorage.s3.existingSecret=my-s3",
        "database.external.existingSecret=my-db",
        "existingSecretAdminPassword=my-admin",
        "existingSecretSecretKey=my-key",
        "core.secretName=my-token",
    ]).manifests()
    validate_all(documents)
    deployment = one(documents, "Deployment", "harbor-berth")
    env = env_of(berth_container(deployment))
    assert env["AWS_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"] == {"name": "my-s3", "key": "REGISTRY_STORAGE_S3_ACCESSKEY"}
    assert env["AWS_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "my-s3", "key": "REGISTRY_STORAGE_S3_SECRETKEY"}
    assert env["DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "my-db", "key": "password"}
    assert env["BERTH_DATABASE_URL"]["value"] == "postgres://berth:$(DATABASE_PASSWORD)@db.example.com:5433/registry"
    assert env["BERTH_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "my-admin", "key": "HARBOR_ADMIN_PASSWORD"}
    assert env["BERTH_SECRET_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "my-key", "key": "secretKey"}
    check_token_key_mounted(deployment, "my-token", "tls.key")
    data = secret_data(one(documents, "Secret", "harbor-berth"))
    assert not {"AWS_ACCESS_KEY_ID", "BERTH_DATABASE_URL", "BERTH_ADMIN_PASSWORD", "BERTH_SECRET_KEY",
                "TOKEN_SIGNING_KEY"} & set(data)


TOKEN_KEY_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"


def test_chart_token_key_brought_as_pem():
    """core.tokenKey: the PEM goes into the release's Secret and is mounted, never into the pod spec."""
    documents = render(S3_EXTERNAL_SETS, values={"core": {"tokenKey": TOKEN_KEY_PEM}}).manifests()
    validate_all(documents)
    deployment = one(documents, "Deployment", "harbor-berth")
    check_token_key_mounted(deployment, "harbor-berth", "TOKEN_SIGNING_KEY")
    assert secret_data(one(documents, "Secret", "harbor-berth"))["TOKEN_SIGNING_KEY"] == TOKEN_KEY_PEM
    assert "MIIEowIBAAKCAQEA" not in yaml.safe_dump(deployment)


def test_chart_token_key_secret_name_wins_over_pem():
    documents = render(["core.secretName=my-token"], values={"core": {"tokenKey": TOKEN_KEY_PEM}}).manifests()
    validate_all(documents)
    check_token_key_mounted(one(documents, "Deployment", "harbor-berth"), "my-token", "tls.key")
    assert "TOKEN_SIGNING_KEY" not in secret_data(one(documents, "Secret", "harbor-berth"))


@pytest.mark.parametrize("expose, service_type", [("clusterIP", "ClusterIP"), ("nodePort", "NodePort"),
                                                  ("loadBalancer", "LoadBalancer")])
def test_chart_service_types(expose, service_type):
    sets = [f"expose.type={expose}", f"expose.{expose}.name=harbor"]
    if expose == "loadBalancer":
        sets += ["expose.loadBalancer.IP=203.0.113.7", "expose.loadBalancer.sourceRanges=null"]
    rendered = render(sets)
    documents = rendered.manifests()
    validate_all(documents)
    assert not [d for d in documents if d["kind"] == "Ingress"]
    service = one(documents, "Service", "harbor")
    assert service["spec"]["type"] == service_type
    port = service["spec"]["ports"][0]
    assert port["port"] == 80 and port["targetPort"] == "http"
    if expose == "nodePort":
        assert port["nodePort"] == 30002
    if expose == "loadBalancer":
        assert service["spec"]["loadBalancerIP"] == "203.0.113.7"
    assert "TLS" in rendered.notes, "the notes say that expose.tls does not apply without an Ingress"


def test_chart_ingress_class_and_tls_secret():
    documents = render(SEED_SETS + ["expose.ingress.className=nginx", "expose.tls.certSource=secret",
                                    "expose.tls.secret.secretName=harbor-tls"]).manifests()
    validate_all(documents)
    ingress = one(documents, "Ingress", "harbor-berth")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["harbor.example.com"], "secretName": "harbor-tls"}]
    documents = render(SEED_SETS + ["expose.tls.enabled=false"]).manifests()
    assert "tls" not in one(documents, "Ingress", "harbor-berth")["spec"]


def test_chart_embedded_database_single_replica():
    rendered = render(SEED_SETS + ["database.type=embedded", "metrics.enabled=true", "logLevel=fatal",
                                   "persistence.persistentVolumeClaim.registry.storageClass=fast"])
    documents = rendered.manifests()
    validate_all(documents)
    assert not [d for d in documents if d["kind"] == "StatefulSet"]
    deployment = one(documents, "Deployment", "harbor-berth")
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
    env = env_of(berth_container(deployment))
    assert env["BERTH_METRICS_ENABLED"]["value"] == "true"
    assert env["BERTH_LOG_LEVEL"]["value"] == "critical", "Harbor's fatal"
    data = secret_data(one(documents, "Secret", "harbor-berth"))
    assert data["BERTH_DATABASE_URL"] == "sqlite:///var/lib/berth/berth.db"
    pvc = one(documents, "PersistentVolumeClaim", "harbor-berth-registry")
    assert pvc["spec"]["storageClassName"] == "fast"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": "harbor-berth-registry"}
    assert "one replica" in rendered.notes


def test_chart_metrics_off_by_default():
    """Harbor's metrics.enabled is false: no metrics port anywhere and no ServiceMonitor, even when
    serviceMonitor.enabled is set (Harbor makes it only with metrics.enabled too)."""
    for sets in ([], ["metrics.serviceMonitor.enabled=true"], ["expose.type=nodePort"]):
        documents = render(sets).manifests()
        validate_all(documents)
        assert not [d for d in documents if d["kind"] == "ServiceMonitor" or d["apiVersion"] == SERVICE_MONITOR_API]
        deployment = one(documents, "Deployment", "harbor-berth")
        container = berth_container(deployment)
        assert [p["name"] for p in container["ports"]] == ["http"]
        env = env_of(container)
        assert env["BERTH_METRICS_ENABLED"]["value"] == "false"
        assert "BERTH_METRICS_PORT" not in env and "BERTH_METRICS_PATH" not in env
        services = [d for d in documents if d["kind"] == "Service"]
        assert [s["metadata"]["name"] for s in services] == ["harbor-berth-database", "harbor-berth"]
        assert [p["name"] for p in one(services, "Service", "harbor-berth")["spec"]["ports"]] == ["http"]
        assert "http-metrics" not in yaml.safe_dump(documents)


METRICS_VALUES = {"metrics": {
    "enabled": True,
    "core": {"port": 9464, "path": "/prometheus"},
    "serviceMonitor": {
        "enabled": True,
        "additionalLabels": {"release": "kube-prometheus-stack"},
        "interval": "30s",
        "metricRelabelings": [{"action": "keep", "regex": "berth_.+", "sourceLabels": ["__name__"]}],
        "relabelings": [{"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "nodename",
                         "action": "replace"}],
    },
}}


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("expose, metrics_service", [
    ("ingress", "harbor-berth"), ("clusterIP", "harbor-berth"),
    ("nodePort", "harbor-berth-metrics"), ("loadBalancer", "harbor-berth-metrics")])
def test_chart_metrics_on_their_own_port_with_a_service_monitor(expose, metrics_service):
    """metrics.enabled: BERTH_METRICS_PORT and _PATH, a container port http-metrics, a ClusterIP
    Service port for it (the release's Service when it is ClusterIP; a Service of its own when the
    release's faces outside as NodePort or LoadBalancer), and the ServiceMonitor scraping it."""
    documents = render([f"expose.type={expose}"], values=METRICS_VALUES).manifests()
    validate_all(builtin_kinds(documents))
    deployment = one(documents, "Deployment", "harbor-berth")
    container = berth_container(deployment)
    check_probes(container)  # the probes stay on the main port
    assert {"name": "http-metrics", "containerPort": 9464, "protocol": "TCP"} in container["ports"]
    env = env_of(container)
    assert env["BERTH_METRICS_ENABLED"]["value"] == "true"
    assert env["BERTH_METRICS_PORT"]["value"] == "9464"
    assert env["BERTH_METRICS_PATH"]["value"] == "/prometheus"
    assert env["BERTH_LISTEN"]["value"] == "0.0.0.0:5000"
    # exactly one Service carries the metrics port, and it is a ClusterIP one that reaches the pods
    services = [d for d in documents if d["kind"] == "Service"]
    carriers = [s for s in services if any(p["name"] == "http-metrics" for p in s["spec"]["ports"])]
    assert [s["metadata"]["name"] for s in carriers] == [metrics_service]
    service = carriers[0]
    assert service["spec"]["type"] == "ClusterIP"
    assert {"name": "http-metrics", "port": 9464, "targetPort": "http-metrics", "protocol": "TCP"} in service["spec"]["ports"]
    assert matches(service["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"])
    main = one(services, "Service", "harbor-berth")
    if main is not service:
        assert [p["name"] for p in main["spec"]["ports"]] == ["http"], "no metrics on a NodePort or LoadBalancer"
    # the ServiceMonitor
    monitor = one(documents, "ServiceMonitor", "harbor-berth")
    assert monitor["apiVersion"] == SERVICE_MONITOR_API
    assert set(monitor) == {"apiVersion", "kind", "metadata", "spec"}
    labels = monitor["metadata"]["labels"]
    assert labels["release"] == "kube-prometheus-stack" and labels["app.kubernetes.io/instance"] == "harbor"
    spec = monitor["spec"]
    assert set(spec) == {"jobLabel", "selector", "namespaceSelector", "endpoints"}
    assert spec["namespaceSelector"] == {"matchNames": ["harbor"]}
    selected = [s for s in services if matches(spec["selector"]["matchLabels"], s["metadata"]["labels"])]
    assert selected == [service], "the ServiceMonitor selects the Service with the metrics port, and only it"
    assert spec["jobLabel"] in service["metadata"]["labels"]
    assert spec["endpoints"] == [{
        "port": "http-metrics",
        "path": "/prometheus",
        "scheme": "http",
        "honorLabels": True,
        "interval": "30s",
        "metricRelabelings": METRICS_VALUES["metrics"]["serviceMonitor"]["metricRelabelings"],
        "relabelings": METRICS_VALUES["metrics"]["serviceMonitor"]["relabelings"],
    }]
    # kubernetes-validate cannot check the CRD: the endpoint keys are the operator's (v1 Endpoint)
    assert set(spec["endpoints"][0]) <= {"port", "path", "scheme", "interval", "honorLabels", "metricRelabelings",
                                         "relabelings", "scrapeTimeout", "targetPort", "params"}


def test_chart_metrics_defaults_are_harbors():
    """Harbor's defaults: port 8001, /metrics, the Prometheus interval, no relabelings; and without
    serviceMonitor.enabled, the port is there and no ServiceMonitor."""
    documents = render(SEED_SETS + ["metrics.enabled=true"]).manifests()
    validate_all(documents)
    assert not [d for d in documents if d["kind"] == "ServiceMonitor"]
    container = berth_container(one(documents, "Deployment", "harbor-berth"))
    env = env_of(container)
    assert env["BERTH_METRICS_PORT"]["value"] == "8001" and env["BERTH_METRICS_PATH"]["value"] == "/metrics"
    assert {"name": "http-metrics", "containerPort": 8001, "protocol": "TCP"} in container["ports"]
    ports = one(documents, "Service", "harbor-berth")["spec"]["ports"]
    assert [(p["name"], p["port"]) for p in ports] == [("http", 80), ("http-metrics", 8001)]
    # the Ingress still sends everything to the main port only
    backend = one(documents, "Ingress", "harbor-berth")["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend["service"]["port"] == {"name": "http"}
    documents = render(["metrics.enabled=true", "metrics.serviceMonitor.enabled=true"]).manifests()
    validate_all(builtin_kinds(documents))
    endpoint = one(documents, "ServiceMonitor", "harbor-berth")["spec"]["endpoints"][0]
    assert endpoint == {"port": "http-metrics", "path": "/metrics", "scheme": "http", "honorLabels": True}


def test_chart_replica_aliases_and_shared_filesystem():
    """core.replicas is Harbor's key; a top-level replicas wins. Filesystem storage on a
    ReadWriteMany volume may be shared by several replicas."""
    sets = ["persistence.persistentVolumeClaim.registry.accessMode=ReadWriteMany"]
    documents = render(sets + ["core.replicas=2"]).manifests()
    validate_all(documents)
    deployment = one(documents, "Deployment", "harbor-berth")
    assert deployment["spec"]["replicas"] == 2 and deployment["spec"]["strategy"] == {"type": "RollingUpdate"}
    documents = render(sets + ["core.replicas=2", "replicas=4"]).manifests()
    assert one(documents, "Deployment", "harbor-berth")["spec"]["replicas"] == 4
    # adminPassword is another name for harborAdminPassword, and an existing claim is used as it is
    documents = render(["adminPassword=another-pass", "persistence.persistentVolumeClaim.registry.existingClaim=old",
                        "persistence.persistentVolumeClaim.database.existingClaim=olddb"]).manifests()
    validate_all(documents)
    assert secret_data(one(documents, "Secret", "harbor-berth"))["BERTH_ADMIN_PASSWORD"] == "another-pass"
    assert not [d for d in documents if d["kind"] == "PersistentVolumeClaim"]
    database = one(documents, "StatefulSet", "harbor-berth-database")
    assert "volumeClaimTemplates" not in database["spec"]
    volumes = {v["name"]: v for v in database["spec"]["template"]["spec"]["volumes"]}
    assert volumes["database-data"]["persistentVolumeClaim"] == {"claimName": "olddb"}


# ---------------------------------------------------------------------------------------------
# values.schema.json


def test_schema_is_draft7_and_accepts_the_defaults_and_the_seed_values():
    validator = jsonschema.Draft7Validator(schema())
    jsonschema.Draft7Validator.check_schema(schema())
    assert schema()["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "additionalProperties" not in schema(), "Harbor's other keys must pass"
    validator.validate(merged_values())
    validator.validate(merged_values(SEED_SETS))
    validator.validate(helm_render.set_overrides(SEED_SETS))  # the overrides alone, too
    validator.validate(merged_values(S3_EXTERNAL_SETS))
    # a Harbor values file's other sections are accepted and ignored
    validator.validate(helm_render.merge_values(merged_values(), {"nginx": {"replicas": 2}, "trivy": {"enabled": False}}))


@pytest.mark.parametrize("sets, complaint", [
    (["expose.type=bogus"], "bogus"),
    (["replicas=0"], "minimum"),
    (["core.replicas=0"], "minimum"),
    (["database.type=embedded", "replicas=2"], "maximum"),
    (["database.type=embedded", "core.replicas=2"], "maximum"),
    (["persistence.persistentVolumeClaim.registry.size=100 gigs"], "100 gigs"),
    (["persistence.persistentVolumeClaim.database.size=lots"], "lots"),
    (["database.type=sqlite"], "sqlite"),
    (["persistence.imageChartStorage.type=azure"], "azure"),
    (["expose.tls.certSource=letsencrypt"], "letsencrypt"),
    (["replicas=2"], "ReadWriteMany"),
    (["harborAdminPassword=short"], "short"),
    (["secretKey=tooshort"], "tooshort"),
    (["externalURL=harbor.example.com"], "harbor.example.com"),
    (["persistence.imageChartStorage.type=s3"], "any of the given schemas"),
    (["persistence.imageChartStorage.type=s3", "persistence.imageChartStorage.s3.existingSecret=x",
      "persistence.imageChartStorage.s3.regionendpoint=http://minio:9000/bucket"], "minio:9000/bucket"),
    (["persistence.imageChartStorage.type=s3", "persistence.imageChartStorage.s3.existingSecret=x",
      "persistence.imageChartStorage.s3.bucket=My_Bucket"], "My_Bucket"),
    (["metrics.enabled=true", "metrics.core.port=0"], "minimum"),
    (["metrics.enabled=true", "metrics.core.port=70000"], "maximum"),
    (["metrics.core.port=5000"], "5000"),
    (["metrics.core.port=metrics"], "not of type 'integer'"),
    (["metrics.core.path=metrics"], "'metrics' does not match"),
    (["metrics.core.path=/api/metrics"], "/api/metrics"),
    (["metrics.core.path=/metrics?x"], "/metrics?x"),
    (["metrics.serviceMonitor.interval=30 seconds"], "30 seconds"),
    (["metrics.serviceMonitor.additionalLabels.release=true"], "not of type 'string'"),
])
def test_schema_rejects_malformed_values(sets, complaint):
    errors = list(jsonschema.Draft7Validator(schema()).iter_errors(merged_values(sets)))
    assert errors, f"{sets} should be rejected"
    assert complaint in " ".join(e.message for e in errors) + " ".join(
        str(sub.message) for e in errors for sub in (e.context or []))
    # and helm_render refuses to render them, as helm does
    with pytest.raises(helm_render.SchemaError):
        render(sets)


# ---------------------------------------------------------------------------------------------
# the chart's own checks (for helm --skip-schema-validation, and what the schema cannot say)


@pytest.mark.parametrize("sets", [["database.type=embedded", "replicas=2"], ["database.type=embedded", "core.replicas=3"]])
def test_embedded_database_with_several_replicas_fails_the_render(sets):
    with pytest.raises(helm_render.FailError) as failure:
        render(sets, validate_schema=False)
    assert "database.type=embedded" in str(failure.value) and "only one replica" in str(failure.value)


def test_several_replicas_need_shared_storage():
    with pytest.raises(helm_render.FailError, match="ReadWriteMany"):
        render(["replicas=2"], validate_schema=False)
    with pytest.raises(helm_render.FailError, match="secretName"):
        render(["expose.tls.certSource=secret"], validate_schema=False)
    with pytest.raises(helm_render.FailError, match="needs credentials"):
        render(["persistence.imageChartStorage.type=s3"], validate_schema=False)


@pytest.mark.parametrize("port, complaint", [(5000, "must not be 5000"), (0, "1 to 65535"), (65536, "1 to 65535")])
def test_metrics_port_is_checked_by_the_templates_too(port, complaint):
    with pytest.raises(helm_render.FailError, match=complaint):
        render(["metrics.enabled=true", f"metrics.core.port={port}"], validate_schema=False)
    # metrics off: the port is not used, so the templates let it be
    render([f"metrics.core.port={port}"], validate_schema=False)


# ---------------------------------------------------------------------------------------------
# the renderer stays honest about its subset


def test_renderer_refuses_functions_outside_the_subset(tmp_path):
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: x\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("n: 2\n")
    (chart / "templates" / "a.yaml").write_text("a: {{ .Values.n | toString }}\n")
    with pytest.raises(helm_render.TemplateError, match='function "toString" not defined'):
        helm_render.render_chart(str(chart))
    # numbers of values files are float64 in Helm: comparing one with an int literal fails there
    (chart / "templates" / "a.yaml").write_text("a: {{ gt .Values.n 1 }}\n")
    with pytest.raises(helm_render.TemplateError, match="incompatible types for comparison"):
        helm_render.render_chart(str(chart))
    (chart / "templates" / "a.yaml").write_text("a: {{ gt (int .Values.n) 1 }}\nb: {{ .Values.n }}\n")
    assert helm_render.render_chart(str(chart)).manifests() == [{"a": True, "b": 2}]


def test_renderer_language():
    defines = {}
    helm_render.parse_template('{{- define "t" -}}\n[{{ . }}]\n{{- end -}}', "d", defines)
    source = ('A {{- if .a }}x{{ else if .b }}y{{ else }}z{{ end -}} B'
              '{{ range $i, $v := .l }}{{ $i }}{{ $v }}{{ end }}'
              '{{ with .m }}{{ .k | quote }}{{ end }}'
              '{{ $s := "p" }}{{ if true }}{{ $s = "q" }}{{ end }}{{ $s }}'
              '{{ include "t" .b | nindent 2 }}'
              '{{ printf "%s:%v" "a" 5432.0 }}{{/* a comment */}}')
    template = helm_render.parse_template(source, "t", defines)
    scope = helm_render.Scope()
    data = {"a": False, "b": "bee", "l": ["u", "v"], "m": {"k": "w"}}
    scope.variables["$"] = data
    out = helm_render.Engine(defines).body(template.body, data, scope, "t")
    assert out == 'AyB0u1v"w"q\n  [bee]a:5432'
    assert helm_render.set_overrides(["a.b=1,c=true,d=100Gi", "e=007"]) == {"a": {"b": 1}, "c": True, "d": "100Gi", "e": "007"}


@pytest.mark.parametrize("expose", ["ingress", "clusterIP", "nodePort", "loadBalancer"])
@pytest.mark.parametrize("database", ["internal", "external", "embedded"])
@pytest.mark.parametrize("storage", ["filesystem", "s3"])
@pytest.mark.parametrize("persistence", [True, False], ids=["persistent", "ephemeral"])
def test_chart_every_combination_validates(expose, database, storage, persistence):
    sets = [f"expose.type={expose}", f"database.type={database}", f"persistence.imageChartStorage.type={storage}",
            f"persistence.enabled={str(persistence).lower()}", "image.tag=2", "database.internal.image.tag=16",
            "persistence.imageChartStorage.s3.existingSecret=s3-credentials"]
    rendered = render(sets)
    documents = rendered.manifests()
    validate_all(documents)
    deployment = one(documents, "Deployment", "harbor-berth")
    assert berth_container(deployment)["image"] == "ghcr.io/berth/berth:2"
    check_no_token_key(deployment)
    kinds = sorted(d["kind"] for d in documents)
    assert ("Ingress" in kinds) == (expose == "ingress")
    assert ("StatefulSet" in kinds) == (database == "internal")
    assert ("PersistentVolumeClaim" in kinds) == (persistence and (storage == "filesystem" or database == "embedded"))
    rolling = deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert rolling == (database != "embedded" and not (persistence and storage == "filesystem")), \
        "SQLite or a ReadWriteOnce volume: Recreate"
    assert rendered.notes
