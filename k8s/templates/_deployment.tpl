{{/*
The Deployment of one component, called by <component>-deployment.yaml with (dict "ctx" $ "component" "...").
Every component runs the same way: HTTP and management ports, probes on the management port, a read-only root
file system with an emptyDir at /tmp, user 185, no service account token. What differs is its environment
(_env.tpl) and, for the gateway, the volumes of its usage spool and route snapshot.
*/}}
{{- define "nexusai.deployment" -}}
{{- $ctx := .ctx }}
{{- $component := .component }}
{{- $values := index $ctx.Values $component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "nexusai.componentName" . }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "nexusai.labels" . | nindent 4 }}
spec:
  {{- if not (and (eq $component "gateway") $ctx.Values.gateway.autoscaling.enabled) }}
  replicas: {{ $values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "nexusai.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        {{- include "nexusai.labels" . | nindent 8 }}
        {{- with $values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        # Rolls the pods when settings or secrets change.
        checksum/config: {{ include "nexusai.configData" $ctx | sha256sum }}
        {{- if and (not $ctx.Values.secrets.existingSecret) $ctx.Values.secrets.rolloutOnChange }}
        checksum/secret: {{ include "nexusai.secretData" $ctx | sha256sum }}
        {{- end }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "nexusai.serviceAccountName" $ctx }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with $ctx.Values.global.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $ctx.Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ $values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ $component }}
          image: {{ include "nexusai.image" . | quote }}
          imagePullPolicy: {{ $ctx.Values.global.image.pullPolicy }}
          {{- with $values.args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ $values.ports.http }}
              protocol: TCP
            - name: management
              containerPort: {{ $values.ports.management }}
              protocol: TCP
          env:
            {{- include "nexusai.env.common" . | trim | nindent 12 }}
            {{- include (printf "nexusai.env.%s" $component) . | trim | nindent 12 }}
            {{- include "nexusai.env.user" . | trim | nindent 12 }}
          startupProbe:
            httpGet:
              path: /q/health/started
              port: management
            periodSeconds: {{ $values.startupProbe.periodSeconds }}
            failureThreshold: {{ $values.startupProbe.failureThreshold }}
            timeoutSeconds: 2
          livenessProbe:
            httpGet:
              path: /q/health/live
              port: management
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /q/health/ready
              port: management
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 3
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $ctx.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if eq $component "gateway" }}
            - name: usage-spool
              mountPath: /var/lib/nexus/usage-spool
            {{- if $values.keepRouteSnapshot }}
            - name: route-snapshot
              mountPath: /var/lib/nexus/snapshot
            {{- end }}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $ctx.Values.tmpSizeLimit }}
        {{- if eq $component "gateway" }}
        - name: usage-spool
          {{- if $values.usageSpool.existingClaim }}
          persistentVolumeClaim:
            claimName: {{ $values.usageSpool.existingClaim }}
          {{- else }}
          emptyDir:
            sizeLimit: {{ $values.usageSpool.sizeLimit }}
          {{- end }}
        {{- if $values.keepRouteSnapshot }}
        - name: route-snapshot
          emptyDir:
            sizeLimit: 64Mi
        {{- end }}
        {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
