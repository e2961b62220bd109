{{/*
A worker Deployment. Pass (dict "ctx" $ "component" "worker"|"worker-gpu" "values" .Values.worker|.Values.workerGpu
"image" .Values.image.worker|.Values.image.workerGpu "gpu" false|true "keda" .Values.keda.worker|.Values.keda.workerGpu).
*/}}
{{- define "modelpress.workerDeployment" -}}
{{- $ctx := .ctx }}
{{- $v := .values }}
{{- $fullname := include "modelpress.fullname" $ctx }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}-{{ .component }}
  labels:
    {{- include "modelpress.labels" $ctx | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not $ctx.Values.keda.enabled }}
  replicas: {{ $v.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "modelpress.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "modelpress.labels" $ctx | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
      annotations:
        checksum/config: {{ include (print $ctx.Template.BasePath "/configmap.yaml") $ctx | sha256sum }}
        checksum/secret: {{ include (print $ctx.Template.BasePath "/secret.yaml") $ctx | sha256sum }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "modelpress.serviceAccountName" $ctx }}
      automountServiceAccountToken: false
      {{- with $ctx.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if and .gpu $v.runtimeClassName }}
      runtimeClassName: {{ $v.runtimeClassName }}
      {{- end }}
      securityContext:
        {{- toYaml $ctx.Values.podSecurityContext | nindent 8 }}
      # SIGTERM: the worker stops consuming; its unfinished job goes back to the queue for another worker
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      containers:
        - name: worker
          image: {{ include "modelpress.image" (dict "ctx" $ctx "image" .image) }}
          imagePullPolicy: {{ $ctx.Values.image.pullPolicy }}
          securityContext:
            {{- toYaml $ctx.Values.securityContext | nindent 12 }}
          ports:
            - name: actuator
              containerPort: 8081
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $fullname }}-worker
          env:
            - name: SERVER_PORT
              value: "8081"
            - name: MODELPRESS_WORKER_EXECUTION_PROVIDER
              value: {{ $v.executionProvider | quote }}
            {{- include "modelpress.env.rabbitmq" $ctx | nindent 12 }}
            {{- include "modelpress.env.storage" $ctx | nindent 12 }}
            {{- with $v.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- include "modelpress.probes" (dict "port" "actuator") | nindent 10 }}
          resources:
            {{- $resources := deepCopy $v.resources }}
            {{- if .gpu }}
            {{- $limits := default dict $resources.limits }}
            {{- $_ := set $limits "nvidia.com/gpu" $v.gpus }}
            {{- $_ := set $resources "limits" $limits }}
            {{- end }}
            {{- toYaml $resources | nindent 12 }}
          volumeMounts:
            {{- include "modelpress.volumeMounts" (dict "ctx" $ctx "storage" true) | nindent 12 }}
      volumes:
        {{- include "modelpress.volumes" (dict "ctx" $ctx "storage" true "sizeLimit" $ctx.Values.workerDefaults.tmpSizeLimit) | nindent 8 }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
