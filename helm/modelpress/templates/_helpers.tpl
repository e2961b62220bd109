{{/* Chart name, truncated to the 63 characters Kubernetes allows in a name. */}}
{{- define "modelpress.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name; components append -api, -worker, -worker-gpu, -migrate. */}}
{{- define "modelpress.fullname" -}}
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

{{- define "modelpress.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "modelpress.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: modelpress
{{- end }}

{{/* Selector labels of one component: pass (dict "ctx" $ "component" "api"). */}}
{{- define "modelpress.selectorLabels" -}}
app.kubernetes.io/name: {{ include "modelpress.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "modelpress.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "modelpress.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image reference: pass (dict "ctx" $ "image" .Values.image.api). */}}
{{- define "modelpress.image" -}}
{{- $registry := .ctx.Values.image.registry -}}
{{- $tag := default .ctx.Chart.AppVersion .image.tag -}}
{{- if $registry }}{{ printf "%s/%s:%s" (trimSuffix "/" $registry) .image.repository $tag }}{{ else }}{{ printf "%s:%s" .image.repository $tag }}{{ end }}
{{- end }}

{{/* The Secret the chart manages for values given inline. */}}
{{- define "modelpress.secretName" -}}
{{- printf "%s-secrets" (include "modelpress.fullname" .) }}
{{- end }}

{{/* Name of the Secret holding a credential: its existingSecret, else the chart's. Pass (dict "ctx" $ "existing" ...). */}}
{{- define "modelpress.credentialSecret" -}}
{{- if .existing }}{{ .existing }}{{ else }}{{ include "modelpress.secretName" .ctx }}{{ end }}
{{- end }}

{{/* Whether S3 credentials are configured (inline or existing Secret); otherwise the AWS default chain. */}}
{{- define "modelpress.s3Credentials" -}}
{{- $c := .Values.storage.credentials -}}
{{- if and (eq .Values.storage.type "s3") (or $c.existingSecret $c.accessKeyId) }}true{{ end }}
{{- end }}

{{/* RabbitMQ URI for KEDA, built from rabbitmq.* (only when the password is given inline). */}}
{{- define "modelpress.kedaRabbitUri" -}}
{{- $r := .Values.rabbitmq -}}
{{- $vhost := $r.virtualHost | urlquery -}}
{{- if eq .Values.keda.protocol "http" }}
{{- printf "http://%s:%s@%s:%v/%s" ($r.username | urlquery) ($r.password | urlquery) $r.host $r.managementPort $vhost }}
{{- else }}
{{- printf "amqp://%s:%s@%s:%v/%s" ($r.username | urlquery) ($r.password | urlquery) $r.host $r.port $vhost }}
{{- end }}
{{- end }}

{{/* Checks that fail rendering with a clear message. */}}
{{- define "modelpress.validate" -}}
{{- if not .Values.postgresql.url }}{{ fail "postgresql.url is required: the JDBC URL of the external PostgreSQL" }}{{ end }}
{{- if and (not .Values.postgresql.password) (not .Values.postgresql.existingSecret) }}{{ fail "set postgresql.password or postgresql.existingSecret" }}{{ end }}
{{- if not .Values.rabbitmq.host }}{{ fail "rabbitmq.host is required: the external RabbitMQ" }}{{ end }}
{{- if and (not .Values.rabbitmq.password) (not .Values.rabbitmq.existingSecret) }}{{ fail "set rabbitmq.password or rabbitmq.existingSecret" }}{{ end }}
{{- if and (eq .Values.storage.type "s3") (not .Values.storage.s3.bucket) }}{{ fail "storage.s3.bucket is required with storage.type=s3" }}{{ end }}
{{- if and (eq .Values.storage.type "filesystem") (not .Values.storage.filesystem.existingClaim) }}{{ fail "storage.type=filesystem needs storage.filesystem.existingClaim: a ReadWriteMany claim shared by the API and the workers" }}{{ end }}
{{- if and .Values.storage.credentials.accessKeyId (not .Values.storage.credentials.secretAccessKey) }}{{ fail "storage.credentials.accessKeyId needs storage.credentials.secretAccessKey" }}{{ end }}
{{- if and .Values.keda.enabled (not .Values.keda.existingSecret) (not .Values.rabbitmq.password) }}{{ fail "keda.enabled: set keda.existingSecret (a Secret with the RabbitMQ URI under keda.hostKey), or rabbitmq.password so that the chart can build it" }}{{ end }}
{{- end }}
