{{/* Environment variables that come from Secrets (secretKeyRef only: no value is ever written into a pod spec). */}}
{{- define "modelpress.env.postgres" -}}
- name: SPRING_DATASOURCE_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "modelpress.credentialSecret" (dict "ctx" . "existing" .Values.postgresql.existingSecret) }}
      key: {{ .Values.postgresql.passwordKey }}
{{- end }}

{{- define "modelpress.env.rabbitmq" -}}
- name: SPRING_RABBITMQ_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "modelpress.credentialSecret" (dict "ctx" . "existing" .Values.rabbitmq.existingSecret) }}
      key: {{ .Values.rabbitmq.passwordKey }}
{{- end }}

{{- define "modelpress.env.storage" -}}
{{- if include "modelpress.s3Credentials" . }}
{{- $c := .Values.storage.credentials }}
- name: MODELPRESS_STORAGE_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "modelpress.credentialSecret" (dict "ctx" . "existing" $c.existingSecret) }}
      key: {{ $c.accessKeyIdKey }}
- name: MODELPRESS_STORAGE_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "modelpress.credentialSecret" (dict "ctx" . "existing" $c.existingSecret) }}
      key: {{ $c.secretAccessKeyKey }}
{{- end }}
{{- end }}

{{- define "modelpress.env.auth" -}}
{{- if or .Values.auth.adminKey .Values.auth.existingSecret }}
- name: MODELPRESS_API_AUTH_ADMIN_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "modelpress.credentialSecret" (dict "ctx" . "existing" .Values.auth.existingSecret) }}
      key: {{ .Values.auth.adminKeyKey }}
{{- end }}
{{- end }}

{{/* Volumes every pod has: /tmp (the root filesystem is read-only) and, for filesystem storage, the shared claim. */}}
{{- define "modelpress.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .sizeLimit }}
{{- if and .storage (eq .ctx.Values.storage.type "filesystem") }}
- name: artifacts
  persistentVolumeClaim:
    claimName: {{ .ctx.Values.storage.filesystem.existingClaim }}
{{- end }}
{{- end }}

{{- define "modelpress.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if and .storage (eq .ctx.Values.storage.type "filesystem") }}
- name: artifacts
  mountPath: {{ .ctx.Values.storage.filesystem.root }}
{{- end }}
{{- end }}

{{/* Liveness, readiness and startup probes on Spring Boot's actuator health groups. Pass (dict "port" "http"). */}}
{{- define "modelpress.probes" -}}
startupProbe:
  httpGet:
    path: /actuator/health/liveness
    port: {{ .port }}
  periodSeconds: 5
  failureThreshold: 60
livenessProbe:
  httpGet:
    path: /actuator/health/liveness
    port: {{ .port }}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /actuator/health/readiness
    port: {{ .port }}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
{{- end }}
