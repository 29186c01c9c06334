{{/*
Names, labels and small helpers shared by every template.
Templates that belong to a component call the helpers with (dict "ctx" $ "component" "gateway").
*/}}

{{/* The chart name, or nameOverride. */}}
{{- define "nexusai.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full name every object name starts with: <release>-<chart>, or the release name alone when it already
contains the chart name; fullnameOverride wins. Cut at 50 characters so "-<component>-management" still fits
into 63.
*/}}
{{- define "nexusai.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "nexusai.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of a component's objects: <fullname>-<component>. */}}
{{- define "nexusai.componentName" -}}
{{- printf "%s-%s" (include "nexusai.fullname" .ctx) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select a component's pods (stable across upgrades: never add the version here). */}}
{{- define "nexusai.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nexusai.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end }}

{{/* The labels of every object; with a component, its app.kubernetes.io/component too. */}}
{{- define "nexusai.labels" -}}
helm.sh/chart: {{ include "nexusai.chart" .ctx }}
{{ include "nexusai.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: nexusai
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Image of a component: [registry/]repository:tag. */}}
{{- define "nexusai.image" -}}
{{- $values := index .ctx.Values .component }}
{{- $tag := $values.image.tag | default .ctx.Values.global.image.tag | default .ctx.Chart.AppVersion }}
{{- if .ctx.Values.global.image.registry }}
{{- printf "%s/%s:%s" (trimSuffix "/" .ctx.Values.global.image.registry) $values.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" $values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* The service account the pods run as. */}}
{{- define "nexusai.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nexusai.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding NEXUS_SECRET_KEY and friends: existingSecret, or the one the chart creates. */}}
{{- define "nexusai.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "nexusai.fullname" . }}
{{- end }}
{{- end }}

{{/* The ConfigMap of non-secret settings. */}}
{{- define "nexusai.configMapName" -}}
{{- printf "%s-config" (include "nexusai.fullname" .) }}
{{- end }}

{{/* In-cluster base URL of a component's HTTP port, e.g. http://nexus-nexusai-auth:8082. */}}
{{- define "nexusai.serviceUrl" -}}
{{- $values := index .ctx.Values .component }}
{{- printf "http://%s:%v" (include "nexusai.componentName" .) $values.service.port }}
{{- end }}

{{/*
Checks the values before anything renders (configmap.yaml calls it): the secrets the chart needs to create its
Secret, unless an existing one is named; where PostgreSQL is; a usable Redis namespace.
*/}}
{{- define "nexusai.validateValues" -}}
{{- if not .Values.secrets.existingSecret }}
{{- $key := required "secrets.nexusSecretKey is required (at least 32 characters), or set secrets.existingSecret to a Secret you manage (docs/kubernetes.md)" .Values.secrets.nexusSecretKey }}
{{- if lt (len $key) 32 }}
{{- fail "secrets.nexusSecretKey must be at least 32 characters long" }}
{{- end }}
{{- $dbKey := required "secrets.dbEncryptionKey is required (at least 32 characters), or set secrets.existingSecret to a Secret you manage (docs/kubernetes.md)" .Values.secrets.dbEncryptionKey }}
{{- if lt (len $dbKey) 32 }}
{{- fail "secrets.dbEncryptionKey must be at least 32 characters long" }}
{{- end }}
{{- if and .Values.secrets.nexusSecretKeyPrevious (lt (len .Values.secrets.nexusSecretKeyPrevious) 32) }}
{{- fail "secrets.nexusSecretKeyPrevious must be at least 32 characters long" }}
{{- end }}
{{- $_ := required "secrets.dbPassword is required, or set secrets.existingSecret to a Secret you manage (docs/kubernetes.md)" .Values.secrets.dbPassword }}
{{- if and .Values.secrets.bootstrapAdminKey (not (regexMatch "^nx-adm-[A-Za-z0-9]{40}$" .Values.secrets.bootstrapAdminKey)) }}
{{- fail "secrets.bootstrapAdminKey must be nx-adm- followed by 40 letters and digits" }}
{{- end }}
{{- $_ := required "secrets.redisUrl is required (e.g. redis://:password@redis:6379), or set secrets.existingSecret to a Secret you manage (docs/kubernetes.md)" .Values.secrets.redisUrl }}
{{- end }}
{{- $_ := required "database.host is required: where PostgreSQL answers" .Values.database.host }}
{{- if or (contains "{" .Values.redis.namespace) (contains "}" .Values.redis.namespace) (not .Values.redis.namespace) }}
{{- fail "redis.namespace must be a non-empty name without braces (it becomes the {namespace} hash tag of every key)" }}
{{- end }}
{{- if not (has .Values.redis.clientType (list "standalone" "cluster")) }}
{{- fail "redis.clientType must be standalone or cluster" }}
{{- end }}
{{- if and (not .Values.secrets.existingSecret) (eq .Values.redis.clientType "standalone") (contains "," (.Values.secrets.redisUrl | toString)) }}
{{- fail "secrets.redisUrl lists several Redis nodes (comma-separated): that is a Redis Cluster, set redis.clientType to cluster" }}
{{- end }}
{{- if and .Values.tracing.export (not .Values.tracing.otlpEndpoint) }}
{{- fail "tracing.export needs tracing.otlpEndpoint: where the OTLP collector answers" }}
{{- end }}
{{- end }}

{{/* The data of the ConfigMap (configmap.yaml), also hashed into the pods' checksum/config annotation. */}}
{{- define "nexusai.configData" -}}
NEXUS_DB_HOST: {{ .Values.database.host | quote }}
NEXUS_DB_PORT: {{ .Values.database.port | quote }}
NEXUS_DB_NAME: {{ .Values.database.name | quote }}
NEXUS_DB_USER: {{ .Values.database.user | quote }}
NEXUS_DB_TIMEOUT: {{ .Values.database.timeout | quote }}
NEXUS_DB_READ_HOST: {{ .Values.database.readReplica.host | default .Values.database.host | quote }}
NEXUS_DB_READ_PORT: {{ .Values.database.readReplica.port | default .Values.database.port | quote }}
NEXUS_REDIS_NAMESPACE: {{ .Values.redis.namespace | quote }}
NEXUS_REDIS_CLIENT_TYPE: {{ .Values.redis.clientType | quote }}
NEXUS_AUTH_SERVICE_URL: {{ include "nexusai.serviceUrl" (dict "ctx" . "component" "auth") | quote }}
NEXUS_ROUTING_SERVICE_URL: {{ include "nexusai.serviceUrl" (dict "ctx" . "component" "routing") | quote }}
NEXUS_METERING_SERVICE_URL: {{ include "nexusai.serviceUrl" (dict "ctx" . "component" "metering") | quote }}
NEXUS_LOG_JSON: {{ .Values.logging.json | toString | quote }}
NEXUS_TRACING_EXPORT: {{ .Values.tracing.export | toString | quote }}
NEXUS_TRACING_SAMPLE_RATIO: {{ .Values.tracing.sampleRatio | toString | quote }}
NEXUS_OTLP_ENDPOINT: {{ .Values.tracing.otlpEndpoint | default "http://localhost:4317" | quote }}
{{- end }}

{{/* The data of the chart's Secret (secret.yaml), also hashed into the pods' checksum/secret annotation. */}}
{{- define "nexusai.secretData" -}}
nexus-secret-key: {{ .Values.secrets.nexusSecretKey | b64enc | quote }}
db-encryption-key: {{ .Values.secrets.dbEncryptionKey | b64enc | quote }}
db-password: {{ .Values.secrets.dbPassword | b64enc | quote }}
redis-url: {{ .Values.secrets.redisUrl | b64enc | quote }}
{{- with .Values.secrets.nexusSecretKeyPrevious }}
nexus-secret-key-previous: {{ . | b64enc | quote }}
{{- end }}
{{- with .Values.secrets.bootstrapAdminKey }}
bootstrap-admin-key: {{ . | b64enc | quote }}
{{- end }}
{{- end }}

{{/*
The gateway's in-flight bound as the gateway itself derives it (gateway-service InFlight): gateway.env's
NEXUS_GATEWAY_MAX_IN_FLIGHT when set, else a quarter of the maximum heap (gateway.jvm.maxHeap, an -Xmx size) at 32 KiB
a request — 8 per MiB —, at least 64. (The JVM reports a little less than -Xmx as its maximum heap, so the gateway's
own figure is a few percent lower: about 990 at 128m.)
*/}}
{{- define "nexusai.gatewayInFlightBound" -}}
{{- $set := get (.Values.gateway.env | default dict) "NEXUS_GATEWAY_MAX_IN_FLIGHT" | toString }}
{{- if $set }}
{{- if not (regexMatch "^[1-9][0-9]*$" $set) }}
{{- fail (printf "gateway.env.NEXUS_GATEWAY_MAX_IN_FLIGHT must be a positive whole number, not %q" $set) }}
{{- end }}
{{- $set }}
{{- else }}
{{- $heap := .Values.gateway.jvm.maxHeap | toString }}
{{- if not (regexMatch "^[1-9][0-9]*[kKmMgG]?$" $heap) }}
{{- fail (printf "gateway.jvm.maxHeap must be an -Xmx size such as 128m or 1g, not %q" $heap) }}
{{- end }}
{{- $unit := regexFind "[kKmMgG]$" $heap | lower }}
{{- $bytes := mul (regexFind "^[0-9]+" $heap | int64) (get (dict "k" 1024 "m" 1048576 "g" 1073741824) $unit | default 1) }}
{{- max 64 (div $bytes 131072) }}
{{- end }}
{{- end }}
