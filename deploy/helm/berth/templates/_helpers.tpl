{{/*
Helpers of Berth's chart. Only a small subset of Go templates and sprig is used (see
tests/build/helm_render.py, which renders the chart in the tests because helm is not installed
there): a function outside it makes the tests fail.
*/}}

{{/* The release's objects are "<release>-berth", or just "<release>" when that is "berth". */}}
{{- define "berth.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride -}}
{{- else if eq .Release.Name .Chart.Name -}}
{{- .Release.Name -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name -}}
{{- end -}}
{{- end -}}

{{- define "berth.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selectors never change between versions, so they carry no version. */}}
{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
Replicas of Berth: the top-level `replicas` when set, else Harbor's core.replicas, else 1.
Numbers from values files are float64 and --set ones int64 in Helm: callers compare
`int (include "berth.replicas" .)`, which is right for both.
*/}}
{{- define "berth.replicas" -}}
{{- .Values.replicas | default .Values.core.replicas | default 1 -}}
{{- end -}}

{{/* The admin password: adminPassword when set, else Harbor's harborAdminPassword. */}}
{{- define "berth.adminPassword" -}}
{{- .Values.adminPassword | default .Values.harborAdminPassword -}}
{{- end -}}

{{/*
Where /var/lib/berth lives: "pvc" when it holds something to keep (blobs on the filesystem, or
the SQLite database), else "emptyDir" (s3 with PostgreSQL: nothing there outlives the pod;
the token signing key is in the database, or mounted from a Secret when the user brings one).
*/}}
{{- define "berth.dataVolume" -}}
{{- $needed := or (eq .Values.persistence.imageChartStorage.type "filesystem") (eq .Values.database.type "embedded") -}}
{{- if and .Values.persistence.enabled $needed -}}
pvc
{{- else -}}
emptyDir
{{- end -}}
{{- end -}}

{{- define "berth.registryClaim" -}}
{{- .Values.persistence.persistentVolumeClaim.registry.existingClaim | default (printf "%s-registry" (include "berth.fullname" .)) -}}
{{- end -}}

{{- define "berth.databaseHost" -}}
{{- printf "%s-database" (include "berth.fullname" .) -}}
{{- end -}}

{{/*
The Service's name: Harbor lets each expose type name it (expose.clusterIP.name, ...); empty or
with an Ingress, the release's full name.
*/}}
{{- define "berth.serviceName" -}}
{{- $name := "" -}}
{{- if eq .Values.expose.type "clusterIP" -}}
{{- $name = .Values.expose.clusterIP.name -}}
{{- else if eq .Values.expose.type "nodePort" -}}
{{- $name = .Values.expose.nodePort.name -}}
{{- else if eq .Values.expose.type "loadBalancer" -}}
{{- $name = .Values.expose.loadBalancer.name -}}
{{- end -}}
{{- $name | default (include "berth.fullname" .) -}}
{{- end -}}

{{/*
The Service that carries the metrics port (http-metrics): the release's Service when it stays
inside the cluster (expose.type ingress or clusterIP, a ClusterIP Service); with nodePort or
loadBalancer, which face outside, a ClusterIP Service of its own, "<fullname>-metrics", so that
the unauthenticated metrics never get a node port or a public address.
*/}}
{{- define "berth.metricsOnMainService" -}}
{{- if or (eq .Values.expose.type "ingress") (eq .Values.expose.type "clusterIP") -}}
true
{{- end -}}
{{- end -}}

{{- define "berth.metricsServiceName" -}}
{{- if include "berth.metricsOnMainService" . -}}
{{- include "berth.serviceName" . -}}
{{- else -}}
{{- printf "%s-metrics" (include "berth.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
Refuses values that cannot work, with a message saying what to change. values.schema.json says
the same where JSON Schema can; these also hold when helm is run with --skip-schema-validation.
*/}}
{{- define "berth.validate" -}}
{{- $replicas := int (include "berth.replicas" .) -}}
{{- $db := .Values.database.type -}}
{{- $storage := .Values.persistence.imageChartStorage.type -}}
{{- if not (or (eq $db "internal") (eq $db "external") (eq $db "embedded")) -}}
{{- fail (printf "database.type must be internal, external or embedded (got %v)" $db) -}}
{{- end -}}
{{- if not (or (eq $storage "filesystem") (eq $storage "s3")) -}}
{{- fail (printf "persistence.imageChartStorage.type must be filesystem or s3 (got %v); Harbor's other drivers are not available in Berth" $storage) -}}
{{- end -}}
{{- if not (or (eq .Values.expose.type "ingress") (eq .Values.expose.type "clusterIP") (eq .Values.expose.type "nodePort") (eq .Values.expose.type "loadBalancer")) -}}
{{- fail (printf "expose.type must be ingress, clusterIP, nodePort or loadBalancer (got %v)" .Values.expose.type) -}}
{{- end -}}
{{- if gt 1 $replicas -}}
{{- fail "replicas must be 1 or more" -}}
{{- end -}}
{{- if and (eq $db "embedded") (gt $replicas 1) -}}
{{- fail (printf "database.type=embedded keeps SQLite in one pod's volume and allows only one replica (got %d): use database.type=internal or external to run more" $replicas) -}}
{{- end -}}
{{- if and (gt $replicas 1) (eq $storage "filesystem") -}}
{{- if not .Values.persistence.enabled -}}
{{- fail "several replicas with filesystem storage need a shared volume: set persistence.enabled=true with accessMode ReadWriteMany, or use persistence.imageChartStorage.type=s3" -}}
{{- end -}}
{{- if ne .Values.persistence.persistentVolumeClaim.registry.accessMode "ReadWriteMany" -}}
{{- fail "several replicas with filesystem storage need persistence.persistentVolumeClaim.registry.accessMode=ReadWriteMany (a volume every replica mounts), or persistence.imageChartStorage.type=s3" -}}
{{- end -}}
{{- end -}}
{{- $s3 := .Values.persistence.imageChartStorage.s3 -}}
{{- if and (eq $storage "s3") (not $s3.accesskey) (not $s3.existingSecret) -}}
{{- fail "persistence.imageChartStorage.type=s3 needs credentials: set persistence.imageChartStorage.s3.accesskey and secretkey, or s3.existingSecret (Berth's S3 driver does not use instance roles)" -}}
{{- end -}}
{{- if .Values.metrics.enabled -}}
{{- $metricsPort := int (required "metrics.core.port is required with metrics.enabled" .Values.metrics.core.port) -}}
{{- if or (gt 1 $metricsPort) (gt $metricsPort 65535) -}}
{{- fail (printf "metrics.core.port must be a port from 1 to 65535 (got %v)" .Values.metrics.core.port) -}}
{{- end -}}
{{- if eq $metricsPort 5000 -}}
{{- fail "metrics.core.port must not be 5000, Berth's main port: the metrics are served on a port of their own (Harbor's default is 8001)" -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.expose.type "ingress") .Values.expose.tls.enabled (eq .Values.expose.tls.certSource "secret") -}}
{{- $_ := required "expose.tls.certSource=secret needs expose.tls.secret.secretName" .Values.expose.tls.secret.secretName -}}
{{- end -}}
{{- end -}}
