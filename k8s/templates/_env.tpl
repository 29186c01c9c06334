{{/*
Environment of the containers, as README.md's configuration table wires it. Secrets come from the Secret
(nexusai.secretName), the rest from the ConfigMap (configmap.yaml), so both roll the pods when they change.
Each helper takes (dict "ctx" $ "component" "...") and returns env entries.
*/}}

{{- define "nexusai.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "nexusai.secretName" .ctx }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}

{{- define "nexusai.configEnv" -}}
- name: {{ .name }}
  valueFrom:
    configMapKeyRef:
      name: {{ include "nexusai.configMapName" .ctx }}
      key: {{ .key | default .name }}
{{- end }}

{{/* Every component: ports, JVM options, signing secret, Redis. */}}
{{- define "nexusai.env.common" -}}
{{- $values := index .ctx.Values .component }}
{{- $jvm := .ctx.Values.global.jvmOptions }}
{{- if .ctx.Values.global.aotCache }}
{{- $jvm = append $jvm (printf "-XX:AOTCache=%s" .ctx.Values.global.aotCache) }}
{{- end }}
{{- if $values.jvm.maxHeap }}
{{- $jvm = append $jvm (printf "-Xmx%s" $values.jvm.maxHeap) }}
{{- end }}
{{- $jvm = concat $jvm $values.jvm.extraOptions }}
- name: QUARKUS_HTTP_PORT
  value: {{ $values.ports.http | quote }}
- name: MONITORING_PORT
  value: {{ $values.ports.management | quote }}
- name: JAVA_OPTS
  value: {{ join " " $jvm | quote }}
{{ include "nexusai.secretEnv" (dict "ctx" .ctx "name" "NEXUS_SECRET_KEY" "key" "nexus-secret-key") }}
{{ include "nexusai.secretEnv" (dict "ctx" .ctx "name" "NEXUS_SECRET_KEY_PREVIOUS" "key" "nexus-secret-key-previous" "optional" true) }}
{{ include "nexusai.secretEnv" (dict "ctx" .ctx "name" "NEXUS_REDIS_URL" "key" "redis-url") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_REDIS_NAMESPACE") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_REDIS_CLIENT_TYPE") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_LOG_JSON") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_TRACING_EXPORT") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_TRACING_SAMPLE_RATIO") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_OTLP_ENDPOINT") }}
{{- end }}

{{/* PostgreSQL: the control plane; with readOnly (auth, routing), the read replica when there is one. */}}
{{- define "nexusai.env.database" -}}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_DB_HOST" "key" (ternary "NEXUS_DB_READ_HOST" "NEXUS_DB_HOST" (default false .readOnly))) }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_DB_PORT" "key" (ternary "NEXUS_DB_READ_PORT" "NEXUS_DB_PORT" (default false .readOnly))) }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_DB_NAME") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_DB_USER") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_DB_TIMEOUT") }}
{{ include "nexusai.secretEnv" (dict "ctx" .ctx "name" "NEXUS_DB_PASSWORD" "key" "db-password") }}
{{- end }}

{{/* DB_ENCRYPTION_KEY: only admin (encrypts provider keys) and gateway (decrypts them) hold it. */}}
{{- define "nexusai.env.encryption" -}}
{{ include "nexusai.secretEnv" (dict "ctx" .ctx "name" "DB_ENCRYPTION_KEY" "key" "db-encryption-key") }}
{{- end }}

{{- define "nexusai.env.gateway" -}}
{{ include "nexusai.env.encryption" . }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_AUTH_SERVICE_URL") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_ROUTING_SERVICE_URL") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_METERING_SERVICE_URL") }}
- name: NEXUS_GATEWAY_USAGE_SPOOL_DIR
  value: /var/lib/nexus/usage-spool
- name: NEXUS_GATEWAY_USAGE_SPOOL_MAX_SIZE
  value: {{ .ctx.Values.gateway.usageSpool.maxSize | quote }}
{{- if .ctx.Values.gateway.keepRouteSnapshot }}
- name: NEXUS_GATEWAY_SNAPSHOT_FILE
  value: /var/lib/nexus/snapshot/routes.json
{{- end }}
{{- end }}

{{- define "nexusai.env.admin" -}}
{{ include "nexusai.env.database" . }}
{{ include "nexusai.env.encryption" . }}
{{ include "nexusai.secretEnv" (dict "ctx" .ctx "name" "NEXUS_BOOTSTRAP_ADMIN_KEY" "key" "bootstrap-admin-key" "optional" true) }}
{{- /* the console (/console) shows the provider health matrix and usage, read from routing and metering */}}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_ROUTING_SERVICE_URL") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_METERING_SERVICE_URL") }}
{{- end }}

{{- define "nexusai.env.auth" -}}
{{ include "nexusai.env.database" (dict "ctx" .ctx "component" .component "readOnly" true) }}
{{- end }}

{{- define "nexusai.env.routing" -}}
{{ include "nexusai.env.database" (dict "ctx" .ctx "component" .component "readOnly" true) }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_AUTH_SERVICE_URL") }}
{{- end }}

{{- define "nexusai.env.metering" -}}
{{ include "nexusai.env.database" . }}
{{- /* ingest on the primary (above); the usage API's queries on the read replica when there is one */}}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_DB_READ_HOST") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_DB_READ_PORT") }}
{{ include "nexusai.configEnv" (dict "ctx" .ctx "name" "NEXUS_AUTH_SERVICE_URL") }}
- name: NEXUS_USAGE_RETENTION
  value: {{ .ctx.Values.metering.usageRetention | toString | quote }}
{{- end }}

{{/* What the values add: global.env, then the component's env map and extraEnv list (they win). */}}
{{- define "nexusai.env.user" -}}
{{- $values := index .ctx.Values .component }}
{{- range $name, $value := .ctx.Values.global.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- range $name, $value := $values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- with $values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
